using Peko.Ledger.Domain.Accounting;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.EventStore.Tests.StoredEvents;

/// <summary>
/// One event of every stored type, as the service writes it: a guest of the Phở chain earning at Đông Du, redeeming at
/// Hai Bà Trưng, merged with her second profile, and so on. Every field is set, so the approved files show each one.
/// </summary>
static class StoredEventSamples
{
    static readonly DateTimeOffset At = new(2026, 11, 14, 4, 32, 5, 120, TimeSpan.Zero);
    static readonly DateOnly Expires = new(2028, 11, 14);
    static readonly Programme Programme = new(10_000m, 1_000m, 24, 3, 12,
        [new("Bronze", 0m, 1.0m), new("Silver", 5_000_000m, 1.25m), new("Gold", 12_500_000m, 1.5m)]);

    static readonly LotPoints SpentLot = new("lot_01JCQ8R2X4", "dong-du", 120, Expires, 1_000m);
    static readonly MovedLot MovedLot = new("lot_01JCQ8R2X4", "dong-du", "HD-000412", 150, 120, At, At.AddDays(3),
        Expires, 1_000m, ["mrg_01JD2K7T3B"]);
    static readonly MovedOrder MovedOrder = new("dong-du", "HD-000412", 1_500_000m, 150, "lot_01JCQ8R2X4", 250_000m, 25,
        [SpentLot], 10, 1, ["mrg_01JD2K7T3B"]);
    static readonly MovedSpend MovedSpend = new("dong-du", "HD-000412", At, 1_250_000m, ["mrg_01JD2K7T3B"]);

    public static IReadOnlyList<object> All { get; } =
    [
        // chain stream
        new ChainCreated("demo-pho", "Phở Sài Gòn", "VND", "Asia/Ho_Chi_Minh", "VN", Programme, At),
        new ProgrammeChanged("demo-pho", 2, Programme, At),
        new RestaurantAdded("demo-pho", "dong-du", "Phở Đông Du", "KiotViet", At),
        new ApiKeyIssued("demo-pho", "key_01JCQ7ZK8M", "counter", "dong-du", "Till 1, Đông Du", At),
        new ApiKeyRevoked("demo-pho", "key_01JCQ7ZK8M", At),
        // guest stream
        new GuestRegistered("gst_01JCQ8R2W9", "demo-pho", "dong-du", At),
        new GuestIdentifierLinked("gst_01JCQ8R2W9", IdentifierKind.Phone, "+84903123482", "dong-du", At),
        new GuestNamed("gst_01JCQ8R2W9", "Nguyễn Thị Linh", At),
        new GuestsMerged("gst_01JCQ8R2W9", "gst_01JD0F3N6Q", "mrg_01JD2K7T3B", "same phone", At),
        new GuestMergedInto("gst_01JD0F3N6Q", "gst_01JCQ8R2W9", "mrg_01JD2K7T3B", "same phone", At),
        new GuestMergeUndone("gst_01JCQ8R2W9", "gst_01JD0F3N6Q", "mrg_01JD2K7T3B", "different people", At),
        new GuestRestored("gst_01JD0F3N6Q", "gst_01JCQ8R2W9", "mrg_01JD2K7T3B", "different people", At),
        // points stream
        new PointsEarned("gst_01JCQ8R2W9", "lot_01JCQ8R2X4", "dong-du", "HD-000412", 1_500_000m, 187, 0, "Silver", 1.25m,
            At, At.AddDays(3), Expires, 2, 1_000m),
        new PointsRedeemed("gst_01JCQ8R2W9", "hai-ba-trung", "HD-000977", 120, 120_000m, [SpentLot], At, 2),
        new OrderVoided("gst_01JCQ8R2W9", "dong-du", "HD-000412", "void_01JD1A2B3C", 250_000m, 1_500_000m, [SpentLot],
            [SpentLot with { Points = 31 }], 6, At) { RestoredAsNewLots = [MovedLot] },
        new PointsAdjusted("gst_01JCQ8R2W9", "adj_01JD1C4D5E", "dong-du", -40, "duplicate receipt", "lot_01JD1C4D5F",
            Expires, 6, [SpentLot], At, 2, 1_000m),
        new PointsExpired("gst_01JCQ8R2W9", "lot_01JCQ8R2X4", "dong-du", 30, Expires),
        new PointsMovedIn("gst_01JCQ8R2W9", "gst_01JD0F3N6Q", "mrg_01JD2K7T3B", [MovedLot], [MovedOrder], 6, At),
        new PointsMovedOut("gst_01JD0F3N6Q", "gst_01JCQ8R2W9", "mrg_01JD2K7T3B", ["lot_01JCQ8R2X4"],
            [new OrderRef("dong-du", "HD-000412")], 6, At),
        // membership stream
        new SpendRecorded("gst_01JCQ8R2W9", "dong-du", "HD-000412", 1_500_000m, At),
        new SpendReversed("gst_01JCQ8R2W9", "dong-du", "HD-000412", 250_000m, At),
        new SpendMovedIn("gst_01JCQ8R2W9", "gst_01JD0F3N6Q", "mrg_01JD2K7T3B", [MovedSpend], At),
        new SpendMovedOut("gst_01JD0F3N6Q", "gst_01JCQ8R2W9", "mrg_01JD2K7T3B", [MovedSpend], At),
        new TierChanged("gst_01JCQ8R2W9", "Bronze", "Silver", 5_250_000m, new DateOnly(2026, 11, 15)),
        // accounting stream
        new AccountingSettingsChanged("demo-pho", "issuer-pays", 0.8m, At),
        new MonthClosed("demo-pho", "2026-10", At),
        // migration (issue 8)
        new GuestMemberMigrated("gst_01JCQ8R2W9", "mig_01JD3M8P9R", "dong-du", "mk_5f2c81a0", 17,
            new DateOnly(2021, 3, 8), At, At),
        new OpeningBalanceMigrated("gst_01JCQ8R2W9", "lot_mig_5f2c81a0", "dong-du", "mig_01JD3M8P9R", "mk_5f2c81a0", 2_340,
            Expires, 1_000m, At, 2),
        new OpeningSpendMigrated("gst_01JCQ8R2W9", "dong-du", "spd_mig_5f2c81a0", "mig_01JD3M8P9R", "mk_5f2c81a0",
            3_200_000m, 18_750_000m, At),
    ];
}
