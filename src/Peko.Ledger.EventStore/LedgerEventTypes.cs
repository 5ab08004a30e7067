using Peko.Ledger.Domain.Accounting;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.EventStore;

/// <summary>
/// The stable names every domain event is stored under. A stored event is a contract: never rename an entry here;
/// when a record's shape changes, register it under a new name and add an upcaster from the old one.
/// </summary>
public static class LedgerEventTypes
{
    public static EventTypeRegistry RegisterLedgerEvents(this EventTypeRegistry types) => types
        // chain stream
        .Register<ChainCreated>("chain-created")
        .Register<ProgrammeChanged>("programme-changed")
        .Register<RestaurantAdded>("restaurant-added")
        .Register<ApiKeyIssued>("api-key-issued")
        .Register<ApiKeyRevoked>("api-key-revoked")
        // guest stream
        .Register<GuestRegistered>("guest-registered")
        .Register<GuestIdentifierLinked>("guest-identifier-linked")
        .Register<GuestNamed>("guest-named")
        .Register<GuestsMerged>("guests-merged")
        .Register<GuestMergedInto>("guest-merged-into")
        .Register<GuestMergeUndone>("guest-merge-undone")
        .Register<GuestRestored>("guest-restored")
        // points stream
        .Register<PointsEarned>("points-earned")
        .Register<PointsRedeemed>("points-redeemed")
        .Register<OrderVoided>("order-voided")
        .Register<PointsAdjusted>("points-adjusted")
        .Register<PointsExpired>("points-expired")
        .Register<PointsMovedIn>("points-moved-in")
        .Register<PointsMovedOut>("points-moved-out")
        // membership stream
        .Register<SpendRecorded>("spend-recorded")
        .Register<SpendReversed>("spend-reversed")
        .Register<SpendMovedIn>("spend-moved-in")
        .Register<SpendMovedOut>("spend-moved-out")
        .Register<TierChanged>("tier-changed")
        // accounting stream
        .Register<AccountingSettingsChanged>("accounting-settings-changed")
        .Register<MonthClosed>("month-closed")
        // migration of restaurants' own programmes (issue 8): one event on each of the guest's three streams
        .Register<GuestMemberMigrated>("guest-member-migrated")
        .Register<OpeningBalanceMigrated>("opening-balance-migrated")
        .Register<OpeningSpendMigrated>("opening-spend-migrated");

    /// <summary>Stream ids by kind; a guest's three streams share the guest id.</summary>
    public static string GuestStream(string guestId) => $"guest-{guestId}";
    public static string PointsStream(string guestId) => $"points-{guestId}";
    public static string MembershipStream(string guestId) => $"membership-{guestId}";
}
