namespace Peko.Ledger.Domain;

/// <summary>
/// Collects a request's field errors so it is refused once, naming every wrong field: a till's integrator fixes a
/// request in one go instead of one field per try.
/// </summary>
public sealed class FieldErrors
{
    readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>The value <paramref name="read"/> gives, or default when it refused its input (recorded here).</summary>
    public T? Check<T>(Func<T> read)
    {
        try { return read(); }
        catch (InvalidInput invalid) { Add(invalid.Field, invalid.Message); }
        return default;
    }

    public void Check(Action check) => Check(() => { check(); return true; });

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages)) _errors[field] = messages = [];
        messages.Add(message);
    }

    /// <summary>Throws <see cref="InvalidInputs"/> with everything recorded, if anything was.</summary>
    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
            throw new InvalidInputs(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
    }
}

/// <summary>Several fields of one request are malformed: the API answers 400 naming each.</summary>
public sealed class InvalidInputs(IReadOnlyDictionary<string, string[]> errors)
    : Exception(string.Join(" ", errors.SelectMany(e => e.Value)))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
