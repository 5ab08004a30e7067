namespace Peko.Ledger.Testing;

/// <summary>A clock the test moves by hand. Timers are not faked: delays still use real time.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    DateTimeOffset _now = start.ToUniversalTime();

    public ManualClock() : this(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;

    public void Set(DateTimeOffset to) => _now = to.ToUniversalTime(); // GetUtcNow promises offset 0
}
