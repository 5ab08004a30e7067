namespace Peko.Ledger.Domain.Guests;

/// <summary>A guest's identity as its guest stream leaves it: merged away or not, and the merges it took part in.</summary>
public sealed class GuestProfile
{
    readonly List<Merge> _merges = [];

    public string? GuestId { get; private set; }
    public DateTimeOffset CreatedAt { get; private set; }
    public string? Name { get; private set; }

    /// <summary>The guest this one was merged into, while that merge stands.</summary>
    public string? MergedInto { get; private set; }

    /// <summary>Merges this guest survived, in order; <see cref="Merge.Undone"/> once undone.</summary>
    public IReadOnlyList<Merge> Merges => _merges;

    public IReadOnlyList<GuestIdentifier> Identifiers { get; private set; } = [];

    public static GuestProfile From(IEnumerable<object> events)
    {
        var profile = new GuestProfile();
        foreach (var e in events) profile.Apply(e);
        return profile;
    }

    /// <summary>A copy to apply further events to; this profile is left as it is.</summary>
    public GuestProfile Clone()
    {
        var copy = new GuestProfile
        {
            GuestId = GuestId, CreatedAt = CreatedAt, Name = Name, MergedInto = MergedInto, Identifiers = Identifiers,
        };
        copy._merges.AddRange(_merges);
        return copy;
    }

    public void Apply(object e)
    {
        switch (e)
        {
            case GuestRegistered r: (GuestId, CreatedAt) = (r.GuestId, r.At); break;
            case GuestNamed n: Name = n.Name; break;
            case GuestIdentifierLinked l: Identifiers = [.. Identifiers, new GuestIdentifier(l.Kind, l.Value)]; break;
            case GuestsMerged m: _merges.Add(new Merge(m.MergeId, m.AbsorbedId, false)); break;
            case GuestMergeUndone u:
                var i = _merges.FindIndex(m => m.MergeId == u.MergeId);
                _merges[i] = _merges[i] with { Undone = true };
                break;
            case GuestMergedInto m: MergedInto = m.SurvivorId; break;
            case GuestRestored: MergedInto = null; break;
        }
    }

    public sealed record Merge(string MergeId, string AbsorbedId, bool Undone);
}
