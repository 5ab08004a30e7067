using FsCheck;
using FsCheck.Fluent;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Membership;
using Peko.Ledger.Domain.Points;

namespace Peko.Ledger.Domain.Tests;

/// <summary>
/// Random sequences of earns, redeems, voids, adjustments, merges and undos over four guests. After every step the
/// chain's points add up (earned - redeemed - taken back + restored +- adjusted; merges move, never make or lose) and
/// no lot is held by two guests.
/// </summary>
public sealed class LedgerPropertyTests
{
    static readonly DateTimeOffset Now = CounterScenario.Now;
    static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);
    static readonly Chain TheChain = CounterScenario.ChainWithThreeRestaurants();

    sealed class World
    {
        readonly Dictionary<string, (List<object> Guest, List<object> Points, List<object> Membership)> _streams = [];
        int _next;

        public World()
        {
            foreach (var g in new[] { "g0", "g1", "g2", "g3" })
                _streams[g] = ([new GuestRegistered(g, "pho-chain", "d1", Now.AddDays(-100 + _next++))], [], []);
        }

        public long Expected { get; private set; }
        public string[] Guests => [.. _streams.Keys];

        public GuestState State(string g) => new(g, GuestProfile.From(_streams[g].Guest), PointsAccount.From(_streams[g].Points),
            MembershipState.From(_streams[g].Membership));

        public bool Active(string g) => State(g).Profile.MergedInto is null;

        public (List<object> Guest, List<object> Points, List<object> Membership) Streams(string g) => _streams[g];

        public void Step(int op, string a, string b, int n)
        {
            var guest = State(a);
            var id = $"x{_next++}";
            try
            {
                switch (op)
                {
                    case 0 when guest.Profile.MergedInto is null:
                        var (earned, spend) = PointsDecider.Earn(new EarnPoints(a, $"lot-{id}", "d1", id, (n % 50 + 1) * 10_000m,
                            Now.AddDays(-n % 20), Now), TheChain, guest.Points, guest.Membership);
                        Append(a, points: [earned], membership: [spend]);
                        Expected += earned.Points;
                        break;
                    case 1 when guest.Profile.MergedInto is null:
                        var redeemed = PointsDecider.Redeem(new RedeemPoints(a, "d2", id, n % 30 + 1, Now, Now), TheChain, guest.Points);
                        Append(a, points: [redeemed]);
                        Expected -= redeemed.Points;
                        break;
                    case 2 when guest.Profile.MergedInto is null && guest.Points.Orders.Count > 0:
                        var order = guest.Points.Orders.Values.ElementAt(n % guest.Points.Orders.Count);
                        var amount = n % 2 == 0 || order.Amount is null ? (decimal?)null : Math.Max(1, decimal.Floor((order.Amount.Value - order.VoidedAmount) / 2));
                        var (voided, reversed) = PointsDecider.Void(new VoidOrder(a, order.RestaurantId, order.OrderId, id, amount, Now, Now),
                            TheChain, guest.Points);
                        Append(a, points: [voided], membership: reversed is null ? [] : [reversed]);
                        Expected += voided.Restored.Sum(r => r.Points) + voided.RestoredAsNewLots.Sum(r => r.Points)
                                    - voided.TakenBack.Sum(t => t.Points) - voided.Shortfall;
                        break;
                    case 3 when guest.Profile.MergedInto is null && a != b && Active(b):
                        Apply(GuestMerger.Merge($"m{id}", guest, State(b), TheChain, "property", Now), a, b);
                        break;
                    case 4 when guest.Profile.Merges.LastOrDefault(m => !m.Undone) is { } merge && guest.Profile.MergedInto is null:
                        Apply(GuestMerger.Undo(merge.MergeId, guest, State(merge.AbsorbedId), TheChain, "property", Now), a, merge.AbsorbedId);
                        break;
                    case 5 when guest.Profile.MergedInto is null:
                        var adjusted = PointsDecider.Adjust(new AdjustPoints(a, id, $"lot-{id}", "d3", n % 2 == 0 ? n % 40 + 1 : -(n % 40 + 1),
                            "property", Now), TheChain, guest.Points);
                        Append(a, points: [adjusted]);
                        Expected += adjusted.Points;
                        break;
                }
            }
            catch (LedgerRuleViolation)
            {
                // A refused command writes nothing (insufficient points, order already voided, undo-later-merge-first...).
            }
        }

        void Apply(MergeEvents e, string survivor, string absorbed)
        {
            Append(survivor, e.SurvivorGuest, e.SurvivorPoints, e.SurvivorMembership);
            Append(absorbed, e.AbsorbedGuest, e.AbsorbedPoints, e.AbsorbedMembership);
        }

        void Append(string g, IEnumerable<object>? guest = null, IEnumerable<object>? points = null, IEnumerable<object>? membership = null)
        {
            _streams[g].Guest.AddRange(guest ?? []);
            _streams[g].Points.AddRange(points ?? []);
            _streams[g].Membership.AddRange(membership ?? []);
        }
    }

    static readonly Gen<(int Op, int A, int B, int N)> Step =
        from op in Gen.Choose(0, 5)
        from a in Gen.Choose(0, 3)
        from b in Gen.Choose(0, 3)
        from n in Gen.Choose(0, 1000)
        select (op, a, b, n);

    [Fact]
    public void Points_add_up_and_no_lot_is_in_two_guests_whatever_happens()
    {
        var property = Prop.ForAll(Arb.From(Gen.ListOf(Step)), steps =>
        {
            var world = new World();
            foreach (var (op, a, b, n) in steps)
            {
                world.Step(op, world.Guests[a], world.Guests[b], n);
                var states = world.Guests.Select(world.State).ToList();
                var lots = states.SelectMany(s => s.Points.Lots.Select(l => l.LotId)).ToList();
                if (lots.Count != lots.Distinct().Count()) return false;
                if (states.Sum(s => s.Points.Balance(Today)) != world.Expected) return false;
                if (states.Any(s => s.Profile.MergedInto is not null && s.Points.Lots.Count > 0)) return false;
            }
            return true;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    /// <summary>
    /// What a service process keeps (Counter/FoldedGuests): a guest folded up to some version, copied, and folded on from
    /// there. Whatever the history and wherever it is cut, that gives what folding it all at once gives, and applying
    /// to the copy leaves the state it was copied from as it was.
    /// </summary>
    [Fact]
    public void Folding_on_from_a_copy_of_an_earlier_fold_gives_the_fold_of_the_whole_history()
    {
        var property = Prop.ForAll(Arb.From(Gen.ListOf(Step)), Arb.From(Gen.Choose(0, 1000)), (steps, cut) =>
        {
            var world = new World();
            foreach (var (op, a, b, n) in steps) world.Step(op, world.Guests[a], world.Guests[b], n);
            foreach (var g in world.Guests)
            {
                var (guest, points, membership) = world.Streams(g);
                var kept = new GuestState(g, GuestProfile.From(guest.Take(cut % (guest.Count + 1))),
                    PointsAccount.From(points.Take(cut % (points.Count + 1))), MembershipState.From(membership.Take(cut % (membership.Count + 1))));
                var keptBefore = Describe(kept);
                var copy = new GuestState(g, kept.Profile.Clone(), kept.Points.Clone(), kept.Membership.Clone());
                foreach (var e in guest.Skip(cut % (guest.Count + 1))) copy.Profile.Apply(e);
                foreach (var e in points.Skip(cut % (points.Count + 1))) copy.Points.Apply(e);
                foreach (var e in membership.Skip(cut % (membership.Count + 1))) copy.Membership.Apply(e);
                if (Describe(copy) != Describe(world.State(g)) || Describe(kept) != keptBefore) return false;
            }
            return true;
        });

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), property);
    }

    /// <summary>Everything a guest's folded state shows, as JSON: equal states describe alike.</summary>
    static string Describe(GuestState s) => System.Text.Json.JsonSerializer.Serialize(new
    {
        s.Profile.GuestId, s.Profile.CreatedAt, s.Profile.Name, s.Profile.MergedInto, s.Profile.Merges, s.Profile.Identifiers,
        Lots = s.Points.Lots.OrderBy(l => l.LotId, StringComparer.Ordinal).Select(l => new { l, Origins = s.Points.OriginsOf(l.LotId) }),
        Orders = s.Points.Orders.Values.OrderBy(o => o.RestaurantId, StringComparer.Ordinal).ThenBy(o => o.OrderId, StringComparer.Ordinal)
            .Select(o => new { o, o.Redeemed, Origins = s.Points.OriginsOf(o.RestaurantId, o.OrderId) }),
        s.Points.Deficit,
        DeficitsBroughtByMerges = s.Profile.Merges.Select(m => s.Points.DeficitBroughtBy(m.MergeId)),
        s.Membership.Tier,
        Spend = s.Membership.Orders.OrderBy(o => o.RestaurantId, StringComparer.Ordinal).ThenBy(o => o.OrderId, StringComparer.Ordinal)
            .Select(o => new { o, Origins = s.Membership.OriginsOf(o) }),
    });
}
