using System.Reflection;

namespace Peko.Ledger.Api.Features.Auth;

public enum Role { PlatformAdmin, Admin, Accountant, Auditor, Manager, Counter }

/// <summary>
/// Who is calling: the API key's id, role, chain and (for managers and counters) restaurant. Set by
/// <see cref="ApiKeyAuthentication"/>; endpoints take it as a parameter. <paramref name="ChainRevision"/> is the
/// revision of the key's chain that the key's check read (<see cref="Chains.ChainDirectory.Revision"/>).
/// </summary>
public sealed record Caller(string KeyId, Role Role, string? ChainId, string? RestaurantId, string? ChainRevision = null)
{
    public bool IsPlatformAdmin => Role == Role.PlatformAdmin;

    /// <summary>Acts for the whole chain (platform admin or chain admin).</summary>
    public bool IsAdmin => Role is Role.PlatformAdmin or Role.Admin;

    /// <summary>A key never learns that another chain exists: any other chain's route is a 404.</summary>
    public void EnsureChain(string chainId)
    {
        if (!IsPlatformAdmin && ChainId != chainId) throw new NotFoundException("chain-not-found", "No such chain.");
    }

    /// <summary>403 unless the caller has one of <paramref name="roles"/>; the platform admin has them all.</summary>
    public void Require(params Role[] roles)
    {
        if (!IsPlatformAdmin && !roles.Contains(Role))
            throw new ForbiddenException($"This key's role ({RoleName(Role)}) cannot do this.");
    }

    /// <summary>Managers and counters act for their own restaurant only.</summary>
    public void RequireRestaurant(string restaurantId)
    {
        if (Role is Role.Manager or Role.Counter && RestaurantId != restaurantId)
            throw new ForbiddenException($"This key belongs to restaurant '{RestaurantId}'.");
    }

    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult(context.Features.Get<Caller>());

    public static Role ParseRole(string? role, bool allowPlatform = false) => role?.ToLowerInvariant() switch
    {
        "admin" => Role.Admin,
        "accountant" => Role.Accountant,
        "auditor" => Role.Auditor,
        "manager" => Role.Manager,
        "counter" => Role.Counter,
        "platform-admin" when allowPlatform => Role.PlatformAdmin,
        _ => throw new Domain.InvalidInput("role", "role must be admin, accountant, auditor, manager or counter."),
    };

    public static string RoleName(Role role) => role == Role.PlatformAdmin ? "platform-admin" : role.ToString().ToLowerInvariant();
}

public sealed class ForbiddenException(string message) : Exception(message);

public sealed class NotFoundException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
