namespace Peko.Ledger.Domain.Guests;

// A merge and its undo, on the two guests' guest streams. They carry ids and the reason, never personal data: which
// identifiers move is read from the absorbed guest's own stream.

/// <summary>On the survivor's stream: it absorbed <see cref="AbsorbedId"/>.</summary>
public sealed record GuestsMerged(string SurvivorId, string AbsorbedId, string MergeId, string Reason, DateTimeOffset At);

/// <summary>On the absorbed guest's stream: from now on its id resolves to <see cref="SurvivorId"/>.</summary>
public sealed record GuestMergedInto(string AbsorbedId, string SurvivorId, string MergeId, string Reason, DateTimeOffset At);

/// <summary>On the survivor's stream: the merge was undone.</summary>
public sealed record GuestMergeUndone(string SurvivorId, string AbsorbedId, string MergeId, string Reason, DateTimeOffset At);

/// <summary>On the absorbed guest's stream: it is a guest of its own again.</summary>
public sealed record GuestRestored(string AbsorbedId, string SurvivorId, string MergeId, string Reason, DateTimeOffset At);
