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
