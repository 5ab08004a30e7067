namespace Peko.Ledger.Domain.Guests;

// Events of the guest stream (kind "guest", id "guest-{guestId}"): the profile. This is the only stream that holds
// personal data (identifier values, the name), so an erasure request touches this stream alone.

public sealed record GuestRegistered(string GuestId, string ChainId, string RestaurantId, DateTimeOffset At);

public sealed record GuestIdentifierLinked(string GuestId, IdentifierKind Kind, string Value, string RestaurantId,
    DateTimeOffset At);

public sealed record GuestNamed(string GuestId, string Name, DateTimeOffset At);
