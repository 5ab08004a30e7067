using Bogus;
using Npgsql;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Api.Features.Chains;
using Peko.Ledger.Api.Features.Counter;
using Peko.Ledger.Api.Hosting;
using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Features.Demo;

/// <summary>
/// Six months of believable trade for the demo chain, through the same counter service the API uses: most guests
/// come back to their home restaurant, a few are regulars, some redeem. Deterministic (fixed seed).
/// </summary>
public sealed class DemoOrders(LedgerDatabase database, EventTypeRegistry types, LedgerStoreOptions options, TimeProvider time,
    ILogger<DemoOrders> log)
{
    static readonly string[] MobilePrefixes = ["090", "091", "093", "094", "097", "098", "086", "032", "035", "038", "077", "083"];

    public sealed record SeedPlan(IReadOnlyList<Profile> Guests, string[] Restaurants)
    {
        /// <summary>The most frequent visitor among the first guests seeded: there within seconds.</summary>
        public string SamplePhone => Guests.Take(20).OrderByDescending(p => p.Visits.Length).First().Phone;
    }

    public sealed record Profile(string Name, string Phone, string? Email, string? Zalo, string Home, DateTimeOffset[] Visits, int Seed);

    public SeedPlan Plan(string[] restaurants, int guests) => new(Profiles(restaurants, guests, time.GetUtcNow()), restaurants);

    public async Task SeedAsync(string chainId, SeedPlan plan, CancellationToken ct)
    {
        var (profiles, restaurants, guests) = (plan.Guests, plan.Restaurants, plan.Guests.Count);
        // Demo data need not survive a power cut: skip the per-commit flush to seed in seconds.
        var connection = new NpgsqlConnectionStringBuilder(database.DataSource.ConnectionString) { Options = "-c synchronous_commit=off" };
        await using var dataSource = NpgsqlDataSource.Create(connection.ConnectionString);
        var counter = new CounterService(new LedgerStore(dataSource, types, options, time), new FoldedGuests(FoldedGuests.DefaultCapacity),
            new ChainDirectory(dataSource, types), time);
        var caller = new Caller("demo-seed", Role.Admin, chainId, null);
        var done = 0;

        await Parallel.ForEachAsync(profiles, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct, TaskScheduler = BackgroundWork.Scheduler },
            async (guest, token) =>
            {
                var random = new Randomizer(guest.Seed);
                var balance = 0L;
                for (var i = 0; i < guest.Visits.Length; i++)
                {
                    var at = guest.Visits[i];
                    var restaurant = random.Bool(0.7f) ? guest.Home : random.ArrayElement(restaurants);
                    var who = new GuestRef(guest.Phone, i == 0 ? guest.Email : null, i == 0 ? guest.Zalo : null, null, guest.Name);
                    if (balance >= 100 && random.Bool(0.3f))
                    {
                        var redeemed = await counter.RedeemAsync(chainId, new RedeemRequest(restaurant, $"R{guest.Seed}-{i}",
                            Math.Min(balance, random.Long(50, 200)), null, who, at), caller, token);
                        balance = redeemed.Response.Balance;
                    }
                    var amount = Math.Round(random.Decimal(80_000m, 1_200_000m) * (random.Bool(0.1f) ? 3 : 1) / 1_000m) * 1_000m;
                    var earned = await counter.EarnAsync(chainId, new EarnRequest(restaurant, $"O{guest.Seed}-{i}", amount, at, who),
                        caller, token);
                    balance = earned.Response.Balance;
                }
                if (Interlocked.Increment(ref done) % 500 == 0) log.LogInformation("Demo: {Done} of {Guests} guests seeded", done, guests);
            });
    }

    static List<Profile> Profiles(string[] restaurants, int guests, DateTimeOffset now)
    {
        var faker = new Faker("vi") { Random = new Randomizer(20261122) };
        return Enumerable.Range(1, guests).Select(i =>
        {
            var name = faker.Name.FullName();
            var phone = faker.Random.ArrayElement(MobilePrefixes) + faker.Random.ReplaceNumbers("#######");
            // Most guests come a few times; a long tail of regulars comes weekly.
            var visits = 1 + (int)(Math.Pow(faker.Random.Double(), 3) * 24);
            var dates = Enumerable.Range(0, visits)
                .Select(_ => now.AddDays(-faker.Random.Double(1, 180)).AddHours(-faker.Random.Double(0, 10)))
                .Order().ToArray();
            return new Profile(name, phone, faker.Random.Bool(0.3f) ? faker.Internet.Email(name).ToLowerInvariant() : null,
                faker.Random.Bool(0.2f) ? $"zl_{faker.Random.AlphaNumeric(10)}" : null, faker.Random.ArrayElement(restaurants),
                dates, i);
        }).ToList();
    }
}
