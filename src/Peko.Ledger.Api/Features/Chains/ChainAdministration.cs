using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Chains;

/// <summary>Creating chains, changing programmes, adding restaurants, issuing and revoking API keys.</summary>
public sealed class ChainAdministration(LedgerStore store, ChainDirectory chains, TimeProvider time)
{
    public async Task<Chain> CreateAsync(CreateChainRequest body, Caller caller, CancellationToken ct)
    {
        var created = ChainDecider.Create(new CreateChain(body.ChainId, body.Name, body.Currency, body.TimeZone,
            body.DefaultPhoneRegion, body.Program?.ToProgramme(), time.GetUtcNow()));
        try
        {
            await store.AppendAsync(created.ChainId, new StreamAppend(Chain.StreamId(created.ChainId), "chain",
                ExpectedVersion.NoStream, created), Metadata(caller), ct);
        }
        catch (WrongExpectedVersionException)
        {
            throw new LedgerRuleViolation("chain-exists", $"Chain '{created.ChainId}' already exists.");
        }
        return Chain.From([created]);
    }

    public Task<Chain> ChangeProgrammeAsync(string chainId, ProgrammeBody? body, Caller caller, CancellationToken ct) =>
        DecideAsync(chainId, caller, chain => ChainDecider.ChangeProgramme(chain, body?.ToProgramme(), time.GetUtcNow()), ct);

    public Task<Chain> AddRestaurantAsync(string chainId, AddRestaurantRequest body, Caller caller, CancellationToken ct) =>
        DecideAsync(chainId, caller, chain =>
            ChainDecider.AddRestaurant(chain, body.RestaurantId, body.Name, body.Pos, time.GetUtcNow()), ct);

    public async Task<IssuedKeyResponse> IssueKeyAsync(string chainId, IssueKeyRequest body, Caller caller, CancellationToken ct)
    {
        var role = Caller.ParseRole(body.Role);
        var chain = await chains.GetAsync(chainId, ct);
        string? restaurantId = null;
        if (role is Role.Manager or Role.Counter)
            restaurantId = chain.RestaurantOrThrow(body.RestaurantId).Id;
        else if (body.RestaurantId is not null)
            throw new InvalidInput("restaurantId", "Only manager and counter keys belong to a restaurant.");
        var label = string.IsNullOrWhiteSpace(body.Label) ? Caller.RoleName(role) : body.Label.Trim();
        if (label.Length > 100) throw new InvalidInput("label", "label is 100 characters at most.");

        var (keyId, key, hash) = ApiKeySecrets.New();
        var now = time.GetUtcNow();
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await store.AppendAsync(connection, tx, chainId, [new StreamAppend(Chain.StreamId(chainId), "chain", ExpectedVersion.Any,
            new ApiKeyIssued(chainId, keyId, Caller.RoleName(role), restaurantId, label, now))], Metadata(caller), ct);
        await using (var insert = new Npgsql.NpgsqlCommand("""
            insert into ledger.api_keys (key_id, chain_id, role, restaurant_id, label, secret_hash, created_at)
            values ($1, $2, $3, $4, $5, $6, $7)
            """, connection, tx))
        {
            foreach (var value in new object?[] { keyId, chainId, Caller.RoleName(role), restaurantId, label, hash, now })
                insert.Parameters.Add(new Npgsql.NpgsqlParameter { Value = value ?? DBNull.Value });
            await insert.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return new IssuedKeyResponse(keyId, key, Caller.RoleName(role), restaurantId, label);
    }

    public async Task RevokeKeyAsync(string chainId, string keyId, Caller caller, CancellationToken ct)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await store.LockStreamsAsync(connection, tx, [Chain.StreamId(chainId)], ct);
        await using var revoke = new Npgsql.NpgsqlCommand(
            "update ledger.api_keys set revoked_at = $3 where key_id = $1 and chain_id = $2 and revoked_at is null", connection, tx);
        revoke.Parameters.AddWithValue(keyId);
        revoke.Parameters.AddWithValue(chainId);
        revoke.Parameters.AddWithValue(time.GetUtcNow());
        // The event goes first (locks before the transaction's first write), so check the key exists without writing.
        await using var exists = new Npgsql.NpgsqlCommand(
            "select 1 from ledger.api_keys where key_id = $1 and chain_id = $2 and revoked_at is null", connection, tx);
        exists.Parameters.AddWithValue(keyId);
        exists.Parameters.AddWithValue(chainId);
        if (await exists.ExecuteScalarAsync(ct) is null) throw new NotFoundException("api-key-not-found", "No such active key.");
        await store.AppendAsync(connection, tx, chainId, [new StreamAppend(Chain.StreamId(chainId), "chain", ExpectedVersion.Any,
            new ApiKeyRevoked(chainId, keyId, time.GetUtcNow()))], Metadata(caller), ct);
        await revoke.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    async Task<Chain> DecideAsync(string chainId, Caller caller, Func<Chain, object> decide, CancellationToken ct)
    {
        var stream = Chain.StreamId(chainId);
        var history = await store.ReadStreamAsync(stream, ct: ct);
        if (history.Count == 0) throw new NotFoundException("chain-not-found", "No such chain.");
        var chain = Chain.From(history.Select(e => e.Data));
        var change = decide(chain);
        await store.AppendAsync(chainId, new StreamAppend(stream, "chain", ExpectedVersion.Exactly(history[^1].Version), change),
            Metadata(caller), ct);
        return Chain.Evolve(chain, change);
    }

    static EventMetadata Metadata(Caller caller) => new() { Actor = caller.KeyId };
}
