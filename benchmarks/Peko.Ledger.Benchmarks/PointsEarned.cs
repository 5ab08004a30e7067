using Peko.Ledger.EventStore;

namespace Peko.Ledger.Benchmarks;

/// <summary>A points-earned-like fact of the size and shape the counter writes (ids, amount, points, expiry, time).</summary>
public sealed record PointsEarned(string Guest, string Lot, string At, string Order, decimal Amount, long Points,
    DateOnly ExpiresOn, DateTimeOffset OccurredAt);

static class BenchEvents
{
    public const string Chain = "bench-chain";
    public const string Kind = "points";

    static readonly DateTimeOffset Epoch = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    public static EventTypeRegistry Types() => new EventTypeRegistry().Register<PointsEarned>("points-earned");

    /// <summary>The <paramref name="n"/>th earn on a guest's stream; deterministic, so runs compare.</summary>
    public static PointsEarned Earned(string guest, long n)
    {
        var amount = 5m + n % 9_000 / 100m;
        var at = Epoch.AddSeconds(n);
        return new PointsEarned(guest, $"lot-{guest}-{n}", $"resto-{n % 40:00}", $"order-{n:000000000}", amount,
            (long)(amount * 10), DateOnly.FromDateTime(at.UtcDateTime).AddYears(1), at);
    }
}
