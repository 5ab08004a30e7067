namespace Peko.Ledger.Domain.Guests;

/// <summary>Identifier kinds as people and the API name them.</summary>
public static class IdentifierNames
{
    public static string Of(IdentifierKind kind) => kind switch
    {
        IdentifierKind.Phone => "phone", IdentifierKind.Email => "email", IdentifierKind.Zalo => "Zalo id",
        _ => "POS customer id",
    };
}
