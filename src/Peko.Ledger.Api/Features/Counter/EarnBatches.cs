using System.Text.Json;
using Npgsql;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Counter;

/// <summary>How earns share transactions (README, "Peko:Counter:*"; docs/architecture.md, "Earns share transactions").</summary>
/// <param name="Batches">Transactions of earns in flight at once in this process.</param>
/// <param name="MaxEarns">Earns in one transaction at most.</param>
public sealed record EarnBatching(bool Enabled = true, int Batches = 2, int MaxEarns = 32);

/// <summary>An earn, checked and normalised, ready for its transaction.</summary>
public sealed record EarnCommand(Chain Chain, Caller Caller, string Restaurant, string Order, decimal Amount,
    DateTimeOffset? OccurredAt, string? Name, IReadOnlyList<GuestIdentifier> Ids, DateTimeOffset Now, string Key,
    RequestFingerprint Request)
{
    /// <summary>The locks it queues on: its idempotency key's, then its identifiers'.</summary>
    public IReadOnlyList<string> LockKeys { get; } =
        [Idempotency.LockKey(Chain.Id, Key), .. Ids.Select(i => GuestResolver.LockKey(Chain.Id, i))];
}

/// <summary>
/// Earns that arrive while others are being written share a transaction: a statement per table for all of them,
/// rather than a dozen statements and a commit for each, which is what bounds a busy counter's throughput. Each earn
/// keeps its own answer, idempotency record, metadata and guarantees: the transaction holds every earn's locks, no two
/// earns in it share a lock or a guest, and the answers go out only once it has committed. When it cannot commit
/// (another process wrote to one of its guests meanwhile, say), each of its earns runs again on its own, as any earn
/// retries a lost race. An earn that finds nobody writing goes alone at once, so a quiet counter waits for nothing.
/// </summary>
public sealed class EarnBatches(CounterService counter, LedgerStore store, TimeProvider time, EarnBatching settings)
{
    sealed record Waiting(EarnCommand Earn, TaskCompletionSource<Idempotent<EarnResponse>> Answer);

    readonly Lock _lock = new();
    readonly List<Waiting> _queue = [];
    int _running;

    System.Text.Json.JsonSerializerOptions Json => store.Types.SerializerOptions;

    public Task<Idempotent<EarnResponse>> SubmitAsync(EarnCommand earn)
    {
        var waiting = new Waiting(earn, new(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_lock)
        {
            _queue.Add(waiting);
            start = _running < settings.Batches;
            if (start) _running++;
        }
        if (start) _ = Task.Run(DrainAsync);
        return waiting.Answer.Task;
    }

    async Task DrainAsync()
    {
        while (true)
        {
            List<Waiting> batch;
            lock (_lock)
            {
                if (_queue.Count == 0)
                {
                    _running--;
                    return;
                }
                batch = Take();
            }
            await RunAsync(batch);
        }
    }

    /// <summary>
    /// The oldest earn, and after it those of its chain that share no lock with any taken: two retries of one order,
    /// or two earns naming one identifier, never share a transaction.
    /// </summary>
    List<Waiting> Take()
    {
        var chainId = _queue[0].Earn.Chain.Id;
        var locks = new HashSet<string>(StringComparer.Ordinal);
        var batch = new List<Waiting>();
        foreach (var waiting in _queue)
        {
            if (batch.Count == settings.MaxEarns) break;
            if (waiting.Earn.Chain.Id != chainId || waiting.Earn.LockKeys.Any(locks.Contains)) continue;
            locks.UnionWith(waiting.Earn.LockKeys);
            batch.Add(waiting);
        }
        var taken = batch.ToHashSet();
        _queue.RemoveAll(taken.Contains);
        return batch;
    }

    async Task RunAsync(List<Waiting> batch)
    {
        List<Waiting> alone;
        try
        {
            alone = batch.Count == 1 ? batch : await TogetherAsync(batch);
        }
        catch (Exception)
        {
            // Nothing of the transaction was kept: every earn not answered runs on its own, and meets its own error.
            alone = [.. batch.Where(w => !w.Answer.Task.IsCompleted)];
        }
        await Task.WhenAll(alone.Select(AloneAsync));
    }

    async Task AloneAsync(Waiting waiting)
    {
        try { waiting.Answer.TrySetResult(await counter.EarnAloneAsync(waiting.Earn, CancellationToken.None)); }
        catch (Exception e) { waiting.Answer.TrySetException(e); }
    }

    /// <summary>
    /// The batch in one transaction, three round trips and the commit, as one earn takes. Returns the earns left to run
    /// on their own afterwards: a second earn of a guest already in the batch (named by another identifier), or one
    /// whose guest was merged away meanwhile.
    /// </summary>
    async Task<List<Waiting>> TogetherAsync(List<Waiting> batch)
    {
        var ct = CancellationToken.None; // once taken, an earn is written or refused whoever stopped waiting for it
        var chainId = batch[0].Earn.Chain.Id;
        await using var work = await UnitOfWork.BeginAsync(store.DataSource, ct, genericPlans: true);
        var (records, holders) = await LockAndFindAsync(work, chainId, batch, ct);

        var answers = new List<(Waiting Waiting, Idempotent<EarnResponse>? Answer, Exception? Refusal)>();
        var later = new List<Waiting>();
        var deciding = new List<(Waiting Waiting, Holders Holders)>();
        var guests = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Count; i++)
        {
            var (earn, held) = (batch[i].Earn, holders[i]);
            if (records.TryGetValue(earn.Key, out var record))
                answers.Add(Answer(batch[i], () => Idempotency.Replay<EarnResponse>(earn.Request, record.Hash, record.Response, Json)));
            else if (held.Guests.Any(guests.Contains)) later.Add(batch[i]);
            else
            {
                guests.UnionWith(held.Guests);
                deciding.Add((batch[i], held));
            }
        }

        var loaded = await counter.LoadGuestsAsync(work, guests, ct);
        var appends = new List<StreamAppend>();
        var firstResponses = new List<(string Key, byte[] Hash, string Response)>();
        foreach (var (waiting, held) in deciding)
        {
            var earn = waiting.Earn;
            Decided<EarnResponse> decided;
            try { decided = CounterService.Earn(earn, held, loaded.Part(held.Guests)); }
            catch (GuestMovedException) { later.Add(waiting); continue; }
            catch (Exception e) when (e is LedgerRuleViolation or InvalidInput or NotFoundException)
            {
                answers.Add((waiting, null, e));
                continue;
            }
            var metadata = new EventMetadata { Actor = earn.Caller.KeyId, RestaurantId = decided.Restaurant, IdempotencyKey = earn.Key };
            appends.AddRange(decided.Guests.Appends().Select(a => a with { Metadata = metadata }));
            firstResponses.Add((earn.Key, earn.Request.Hash, JsonSerializer.Serialize(decided.Response, Json)));
            answers.Add((waiting, new Idempotent<EarnResponse>(decided.Response, Replayed: false), null));
        }
        if (appends.Count > 0)
            await store.AppendAsync(work.Connection, work.Transaction, chainId, appends, null,
                [Idempotency.SaveManyCommand(chainId, firstResponses, time.GetUtcNow())], ct);
        await work.CommitAsync(ct);

        foreach (var (waiting, answer, refusal) in answers)
            if (refusal is null) waiting.Answer.TrySetResult(answer!);
            else waiting.Answer.TrySetException(refusal);
        return later;
    }

    static (Waiting, Idempotent<EarnResponse>?, Exception?) Answer(Waiting waiting, Func<Idempotent<EarnResponse>> replay)
    {
        try { return (waiting, replay(), null); }
        catch (LedgerRuleViolation e) { return (waiting, null, e); }
    }

    /// <summary>
    /// The first round trip: every earn's locks, in one sorted statement, then the idempotency records of their keys and
    /// the guests holding each earn's identifiers.
    /// </summary>
    static async Task<(Dictionary<string, (byte[] Hash, string Response)>, Holders[])> LockAndFindAsync(UnitOfWork work,
        string chainId, List<Waiting> batch, CancellationToken ct)
    {
        await using var find = work.LockBatch(batch.SelectMany(w => w.Earn.LockKeys));
        var skip = find.BatchCommands.Count;
        find.BatchCommands.Add(Idempotency.FindManyCommand(chainId, batch.Select(w => w.Earn.Key)));
        var requests = batch.Select(w => w.Earn.Ids).ToList();
        find.BatchCommands.Add(GuestResolver.ManyHoldersBatchCommand(chainId, requests));
        await using var reader = await find.ExecuteReaderAsync(ct);
        for (var i = 0; i < skip; i++) await reader.NextResultAsync(ct);
        var records = new Dictionary<string, (byte[] Hash, string Response)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct)) records[reader.GetString(0)] = ((byte[])reader[1], reader.GetString(2));
        await reader.NextResultAsync(ct);
        return (records, await GuestResolver.ReadManyHoldersAsync(reader, requests, ct));
    }
}
