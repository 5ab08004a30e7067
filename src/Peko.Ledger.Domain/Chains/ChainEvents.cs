namespace Peko.Ledger.Domain.Chains;

// Events of the chain stream (kind "chain", id "chain-{chainId}"): the tenant, its programme versions, restaurants.

public sealed record ChainCreated(
    string ChainId, string Name, string Currency, string TimeZone, string DefaultPhoneRegion, Programme Programme,
    DateTimeOffset CreatedAt);

public sealed record ProgrammeChanged(string ChainId, int Version, Programme Programme, DateTimeOffset EffectiveFrom);

public sealed record RestaurantAdded(string ChainId, string RestaurantId, string Name, string Pos, DateTimeOffset AddedAt);

public sealed record ApiKeyIssued(string ChainId, string KeyId, string Role, string? RestaurantId, string Label,
    DateTimeOffset IssuedAt);

public sealed record ApiKeyRevoked(string ChainId, string KeyId, DateTimeOffset RevokedAt);
