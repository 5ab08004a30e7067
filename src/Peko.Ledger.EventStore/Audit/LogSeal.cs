using Npgsql;

namespace Peko.Ledger.EventStore.Audit;

/// <summary>
/// The chains' running hashes over their logs, checked against the sealed checkpoints, and new checkpoints every
/// <see cref="AuditOptions.CheckpointEvery"/> events past the last one. Verify seals only a store it found clean, so a
/// checkpoint never vouches for a row that was already wrong.
/// </summary>
public sealed class LogSeal(NpgsqlDataSource dataSource, AuditOptions options)
{
    public sealed class Outcome
    {
        public long Checked { get; set; }
        public List<AuditFinding> Findings { get; } = [];
        public List<Checkpoint> ToSeal { get; } = [];
    }

    public async Task<Outcome> CheckAsync(string? chainId, CancellationToken ct)
    {
        var sealedSoFar = await Checkpoints.LoadAsync(dataSource, chainId, ct);
        var chains = new Dictionary<string, ChainRun>(StringComparer.Ordinal);
        var outcome = new Outcome();
        ChainRun Run(string chain) => chains.TryGetValue(chain, out var run) ? run
            : chains[chain] = new ChainRun(chain, sealedSoFar.GetValueOrDefault(chain) ?? new Queue<Checkpoint>());

        await foreach (var page in AuditLog.HashesAsync(dataSource, chainId, LogPosition.Start, null, ct))
            foreach (var e in page) Run(e.ChainId).Add(e, options.CheckpointEvery, outcome);
        foreach (var chain in sealedSoFar.Keys) Run(chain).End(outcome);
        return outcome;
    }

    /// <summary>One chain's walk: count, running hash, and the next sealed checkpoint to meet.</summary>
    sealed class ChainRun(string chainId, Queue<Checkpoint> ahead)
    {
        long _events;
        byte[] _running = EventHash.Start;
        readonly long _lastSealed = ahead.Count == 0 ? 0 : ahead.Last().Events;
        public void Add(LoggedHash e, int every, Outcome outcome)
        {
            while (ahead.TryPeek(out var due) && due.Position < e.Position)
                Broken(outcome, ahead.Dequeue(), $"its event at seq {due.Position.Seq} is gone; {_events} events lead up to it now");
            _events++;
            _running = EventHash.Next(_running, e.Hash ?? new byte[32]);
            if (ahead.TryPeek(out var at) && at.Position == e.Position)
            {
                ahead.Dequeue();
                if (at.Events != _events || !at.RunningHash.AsSpan().SequenceEqual(_running))
                    Broken(outcome, at, at.Events != _events
                        ? $"{_events} events lead up to it, not {at.Events}: rows were deleted or inserted before it"
                        : "the hashes of the events before it changed, or their order did");
                else outcome.Checked++;
            }
            if (_events > _lastSealed && _events % every == 0)
                outcome.ToSeal.Add(new Checkpoint(chainId, _events, e.Position, _running));
        }

        public void End(Outcome outcome)
        {
            while (ahead.TryDequeue(out var due))
                Broken(outcome, due, $"its event at seq {due.Position.Seq} is gone; the log ends after {_events} events");
        }

        void Broken(Outcome outcome, Checkpoint c, string detail)
        {
            outcome.Checked++;
            outcome.Findings.Add(new AuditFinding(FindingKind.CheckpointBroken, chainId, null, null, c.Position.Seq,
                $"checkpoint after {c.Events} events no longer matches: {detail}"));
        }
    }
}

/// <summary>How often a chain's log is sealed.</summary>
public sealed class AuditOptions
{
    /// <summary>A checkpoint every this many events of a chain.</summary>
    public int CheckpointEvery { get; init; } = 10_000;
}
