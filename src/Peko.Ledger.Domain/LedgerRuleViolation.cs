namespace Peko.Ledger.Domain;

/// <summary>
/// A business rule said no. <see cref="Code"/> is stable (clients match on it; the API puts it at the end of the
/// problem <c>type</c>), <see cref="Exception.Message"/> explains it to a person.
/// </summary>
public sealed class LedgerRuleViolation(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>Input that is malformed rather than against a rule: the API answers 400 naming the field.</summary>
public sealed class InvalidInput(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
