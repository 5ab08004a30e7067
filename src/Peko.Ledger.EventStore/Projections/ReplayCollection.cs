using System.Runtime;

namespace Peko.Ledger.EventStore.Projections;

/// <summary>
/// While a replay runs, the garbage collector works in batch mode (no background collections). A replay holds
/// hundreds of thousands of folded rows while it allocates about 2 KB per event read; background collections
/// of that heap cost it a tenth of its time (docs/benchmarks.md). The process's other work sees blocking
/// collections instead for as long as one replay runs; the mode is restored when the last one ends.
/// </summary>
static class ReplayCollection
{
    static readonly Lock Gate = new();
    static int _running;
    static GCLatencyMode _before;

    public static IDisposable Enter()
    {
        lock (Gate)
        {
            if (_running++ == 0)
            {
                _before = GCSettings.LatencyMode;
                GCSettings.LatencyMode = GCLatencyMode.Batch;
            }
        }
        return new Scope();
    }

    sealed class Scope : IDisposable
    {
        bool _disposed;

        public void Dispose()
        {
            lock (Gate)
            {
                if (_disposed) return;
                _disposed = true;
                if (--_running == 0) GCSettings.LatencyMode = _before;
            }
        }
    }
}
