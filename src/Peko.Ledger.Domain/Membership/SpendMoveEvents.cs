namespace Peko.Ledger.Domain.Membership;

/// <summary>An order's counted spend as it moves with a merge or its undo; <see cref="Origins"/> as for lots.</summary>
public sealed record MovedSpend(string RestaurantId, string OrderId, DateTimeOffset OccurredAt, decimal Amount,
    IReadOnlyList<string> Origins);

public sealed record SpendMovedIn(string GuestId, string FromGuestId, string MergeId, IReadOnlyList<MovedSpend> Orders,
    DateTimeOffset At);

public sealed record SpendMovedOut(string GuestId, string ToGuestId, string MergeId, IReadOnlyList<MovedSpend> Orders,
    DateTimeOffset At);
