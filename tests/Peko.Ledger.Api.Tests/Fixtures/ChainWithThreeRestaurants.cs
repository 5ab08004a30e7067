namespace Peko.Ledger.Api.Tests;

/// <summary>
/// A VND chain (<see cref="Programmes.Vnd"/>) with restaurants d1, d2 and d3, made over HTTP, and keys for the people
/// the tests act as: the chain admin, a till of d1, the manager of d2 and an auditor.
/// </summary>
public sealed class ChainWithThreeRestaurants : ApiFactory
{
    public const string ChainId = "pho-chain";

    public static readonly (string Id, string Name)[] Restaurants =
        [("d1", "Phở Đông Du"), ("d2", "Phở Lê Lợi"), ("d3", "Phở Thảo Điền")];

    public TestChain Chain { get; private set; } = null!;
    public IssuedKey CounterD1 { get; private set; } = null!;
    public IssuedKey ManagerD2 { get; private set; } = null!;
    public IssuedKey Auditor { get; private set; } = null!;

    public HttpClient Admin => Chain.Admin;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Chain = await TestChain.CreateAsync(this, ChainId, Restaurants);
        CounterD1 = await Chain.IssueKeyAsync("counter", "d1");
        ManagerD2 = await Chain.IssueKeyAsync("manager", "d2");
        Auditor = await Chain.IssueKeyAsync("auditor");
    }

    public string Url(string path) => Chain.Url(path);
}
