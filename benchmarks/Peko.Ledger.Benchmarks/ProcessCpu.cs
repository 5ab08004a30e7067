using System.Globalization;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// CPU time from <c>/proc</c> (Linux), to say where a benchmark's time went: a process's own, or a PostgreSQL
/// cluster's (the postmaster's, its exited children's, which it has reaped, and its live backends').
/// </summary>
static class ProcessCpu
{
    const double TicksPerSecond = 100; // USER_HZ: 100 on every Linux we run on (getconf CLK_TCK)

    /// <summary>Seconds of CPU the process has used (user + system, all threads).</summary>
    public static double Seconds(int pid) => Stat(pid) is { } s ? (s.UTime + s.STime) / TicksPerSecond : 0;

    /// <summary>Seconds of CPU a PostgreSQL cluster has used, given its postmaster.</summary>
    public static double ClusterSeconds(int postmaster)
    {
        if (Stat(postmaster) is not { } main) return 0;
        var ticks = main.UTime + main.STime + main.CUTime + main.CSTime;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } child && child.Parent == postmaster)
                ticks += child.UTime + child.STime;
        return ticks / TicksPerSecond;
    }

    /// <summary>The postmaster of the cluster in <paramref name="dataDirectory"/> (first line of postmaster.pid).</summary>
    public static int? Postmaster(string? dataDirectory) =>
        dataDirectory is not null && File.Exists(Path.Combine(dataDirectory, "postmaster.pid"))
            && int.TryParse(File.ReadLines(Path.Combine(dataDirectory, "postmaster.pid")).First(), out var pid) ? pid : null;

    /// <summary>The whole machine's CPU time so far, every core's (the first line of <c>/proc/stat</c>); null off Linux.</summary>
    public static MachineCpu? Machine()
    {
        try
        {
            // "cpu  user nice system idle iowait irq softirq steal guest guest_nice", in USER_HZ; guest time is
            // already counted in user and nice.
            var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
            return new MachineCpu(Busy: L(1) + L(2) + L(3) + L(6) + L(7), Idle: L(4) + L(5), Stolen: L(8));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The machine's CPU time since <paramref name="before"/> (a <see cref="Machine"/> reading); null when either is unknown.</summary>
    public static MachineCpu? MachineSince(MachineCpu? before) => before is not null && Machine() is { } now ? now - before : null;

    sealed record ProcStat(int Parent, long UTime, long STime, long CUTime, long CSTime);

    static ProcStat? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            // After "pid (comm) ": state ppid … ; comm may hold spaces, so split after its closing parenthesis.
            var f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            long L(int field) => long.Parse(f[field - 3], CultureInfo.InvariantCulture); // fields as proc(5) numbers them
            return new ProcStat((int)L(4), L(14), L(15), L(16), L(17));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return null; }
    }
}

/// <summary>
/// The machine's CPU ticks: busy (anyone's user, system and interrupt time), idle (iowait included) and stolen by the
/// hypervisor. The difference of two readings says how much of the cores a phase kept busy.
/// </summary>
sealed record MachineCpu(long Busy, long Idle, long Stolen)
{
    /// <summary>No time: what phases' readings are added to.</summary>
    public static readonly MachineCpu None = new(0, 0, 0);

    public static MachineCpu operator -(MachineCpu after, MachineCpu before) =>
        new(after.Busy - before.Busy, after.Idle - before.Idle, after.Stolen - before.Stolen);

    public static MachineCpu operator +(MachineCpu a, MachineCpu b) => new(a.Busy + b.Busy, a.Idle + b.Idle, a.Stolen + b.Stolen);

    long Total => Busy + Idle + Stolen;

    /// <summary>The busy share of all cores' time, 0 to 1.</summary>
    public double BusyShare => Total == 0 ? double.NaN : (double)Busy / Total;

    public override string ToString() => Total == 0 ? "not measured"
        : $"{(double)Busy / Total:P0} busy, {(double)Idle / Total:P0} idle, {(double)Stolen / Total:P0} stolen";
}
