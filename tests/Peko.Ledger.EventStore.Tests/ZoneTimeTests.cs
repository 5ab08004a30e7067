using NpgsqlTypes;
using Peko.Ledger.EventStore.ReadModels;
using Peko.Ledger.Testing;

namespace Peko.Ledger.EventStore.Tests;

/// <summary>
/// A replay books accounting entries in memory that the async projection books in SQL: both must read a zone's local
/// times alike, also where clocks jump (skipped and repeated hours, midnight changes, half hours, a skipped day).
/// Each local time is asked of PostgreSQL (<c>timestamp at time zone</c>) and of <see cref="ZoneTime"/>.
/// </summary>
public sealed class ZoneTimeTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    public static TheoryData<string> Zones => new(
        "America/New_York", "Europe/Dublin", "America/Santiago", "America/Havana", "Australia/Lord_Howe",
        "Pacific/Apia", "Europe/Moscow", "Asia/Tehran", "Asia/Ho_Chi_Minh", "Europe/Stockholm");

    [Theory]
    [MemberData(nameof(Zones))]
    public async Task Local_times_around_every_transition_name_the_instants_PostgreSQL_names(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var random = new Random(zoneId.Length);
        var locals = LocalTimesAroundTransitions(zone, new DateTime(2005, 1, 1), new DateTime(2030, 1, 1))
            .Concat(Enumerable.Range(0, 500).Select(_ => new DateTime(2005, 1, 1).AddMinutes(random.Next(0, 25 * 365 * 24 * 60))))
            .ToList();

        var expected = await PostgresInstantsAsync(locals, zoneId);

        var wrong = locals.Zip(expected)
            .Where(p => ZoneTime.Instant(p.First, zone).UtcDateTime != p.Second)
            .Select(p => $"{p.First:yyyy-MM-dd HH:mm}: PostgreSQL {p.Second:u}, ZoneTime {ZoneTime.Instant(p.First, zone).UtcDateTime:u}")
            .ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {locals.Count} local times differ:\n" + string.Join("\n", wrong.Take(20)));
    }

    [Theory]
    [MemberData(nameof(Zones))]
    public async Task An_instant_falls_on_the_date_PostgreSQL_gives_it(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var random = new Random(zoneId.GetHashCode(StringComparison.Ordinal));
        var start = new DateTime(2005, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var instants = Enumerable.Range(0, 2_000).Select(_ => start.AddMinutes(random.Next(0, 25 * 365 * 24 * 60))).ToArray();

        await using var command = db.DataSource.CreateCommand("select (t at time zone $2)::date from unnest($1::timestamptz[]) t");
        command.Parameters.Add(new() { Value = instants, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = zoneId });
        var dates = new List<DateOnly>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) dates.Add(reader.GetFieldValue<DateOnly>(0));

        Assert.Equal(dates, instants.Select(i => ZoneTime.Date(new DateTimeOffset(i), zone)));
    }

    /// <summary>Every quarter hour from an hour before to an hour after each change of the zone's offset, and each midnight near one.</summary>
    static List<DateTime> LocalTimesAroundTransitions(TimeZoneInfo zone, DateTime from, DateTime to)
    {
        var locals = new List<DateTime>();
        var previous = zone.GetUtcOffset(DateTime.SpecifyKind(from, DateTimeKind.Utc));
        for (var t = DateTime.SpecifyKind(from, DateTimeKind.Utc); t < to; t = t.AddHours(1))
        {
            var offset = zone.GetUtcOffset(t);
            if (offset == previous) continue;
            var low = t.AddHours(-1) + (previous < offset ? previous : offset);
            var high = t + (previous > offset ? previous : offset);
            for (var local = low.AddHours(-1); local <= high.AddHours(1); local = local.AddMinutes(15))
                locals.Add(DateTime.SpecifyKind(local, DateTimeKind.Unspecified));
            for (var day = -2; day <= 2; day++)
                locals.Add(DateTime.SpecifyKind(low.Date.AddDays(day), DateTimeKind.Unspecified));
            previous = offset;
        }
        return locals;
    }

    async Task<List<DateTime>> PostgresInstantsAsync(List<DateTime> locals, string zoneId)
    {
        await using var command = db.DataSource.CreateCommand("select t at time zone $2 from unnest($1::timestamp[]) with ordinality u(t, n) order by n");
        command.Parameters.Add(new() { Value = locals.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Timestamp });
        command.Parameters.Add(new() { Value = zoneId });
        var instants = new List<DateTime>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) instants.Add(reader.GetFieldValue<DateTime>(0));
        return instants;
    }
}
