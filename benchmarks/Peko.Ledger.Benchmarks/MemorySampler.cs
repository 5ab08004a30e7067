using System.Globalization;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// A process's resident memory, read from <c>/proc/{pid}/status</c> (Linux): <see cref="Current"/> (VmRSS) and
/// <see cref="Peak"/> (VmHWM, the kernel's own high-water mark, so no spike between samples is missed). Also samples
/// VmRSS every 100 ms, as a check on the high-water mark where /proc lacks it.
/// </summary>
sealed class MemorySampler : IDisposable
{
    readonly int _pid;
    readonly Timer _timer;
    long _sampledPeak;

    public MemorySampler(int pid)
    {
        _pid = pid;
        _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
    }

    public long Current => Read("VmRSS:");

    public long Peak => Math.Max(Read("VmHWM:"), Interlocked.Read(ref _sampledPeak));

    void Sample()
    {
        var now = Read("VmRSS:");
        long seen;
        while (now > (seen = Interlocked.Read(ref _sampledPeak)) && Interlocked.CompareExchange(ref _sampledPeak, now, seen) != seen) { }
    }

    long Read(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_pid}/status"))
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException) { }
        return 0;
    }

    public void Dispose() => _timer.Dispose();
}
