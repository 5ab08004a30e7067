namespace Peko.Ledger.EventStore.ReadModels;

/// <summary>
/// Local times of a time zone as PostgreSQL reads them (<c>timestamp at time zone zone</c>), for the rows a replay
/// computes in memory that a statement computes in SQL elsewhere (<see cref="AccountingFacts"/>): both must give the
/// same instant. A local time that a transition skipped (clocks forward) or repeated (clocks back) is read as
/// PostgreSQL's <c>DetermineTimeZoneOffset</c> reads it: with the offset of before the transition when skipped, of
/// after it when repeated; either way the later of the two instants. Both sides read the zone rules of the machine
/// they run on (.NET and PostgreSQL on Linux: the system's tz database).
/// </summary>
static class ZoneTime
{
    static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <summary>The instant <paramref name="local"/> (a wall-clock time in <paramref name="zone"/>) names.</summary>
    public static DateTimeOffset Instant(DateTime local, TimeZoneInfo zone)
    {
        // PostgreSQL takes the local time as if it were UTC, backs up a day, and looks for the zone's next
        // transition after that: zones are less than a day off UTC, and transitions are more than two days apart.
        var asUtc = DateTime.SpecifyKind(local, DateTimeKind.Utc);
        var before = zone.GetUtcOffset(asUtc - Day);
        var after = zone.GetUtcOffset(asUtc + Day);
        if (before == after) return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), before);

        var transition = Transition(zone, asUtc - Day, asUtc + Day, before);
        DateTime beforeInstant = asUtc - before, afterInstant = asUtc - after;
        var offset = (beforeInstant < transition, afterInstant < transition) switch
        {
            (true, true) => before,
            (false, false) => after,
            // Skipped or repeated: the later instant.
            _ => beforeInstant > afterInstant ? before : after,
        };
        return new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), offset);
    }

    /// <summary>The first instant (to the second) of (<paramref name="from"/>, <paramref name="to"/>] whose offset is not <paramref name="offset"/>.</summary>
    static DateTime Transition(TimeZoneInfo zone, DateTime from, DateTime to, TimeSpan offset)
    {
        while (to - from > TimeSpan.FromSeconds(1))
        {
            var middle = from + (to - from) / 2;
            middle = middle.AddTicks(-(middle.Ticks % TimeSpan.TicksPerSecond));
            if (middle <= from) middle = from.AddSeconds(1);
            if (zone.GetUtcOffset(middle) == offset) from = middle;
            else to = middle;
        }
        return to;
    }

    /// <summary>The date of <paramref name="instant"/> in <paramref name="zone"/>.</summary>
    public static DateOnly Date(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);
}
