using System.Globalization;
using System.Text;
using System.Text.Json;
using Peko.Ledger.Api.Features.Migration;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Migration;
using Peko.Ledger.Testing;

namespace Peko.Ledger.Api.Tests.Migration;

/// <summary>
/// Staging an export in the database (flat memory, issue 8) reads, rejects and groups exactly as the in-memory reader
/// and matcher do, whatever the page boundaries.
/// </summary>
public sealed class MemberStagingTests(LedgerDatabase db) : IClassFixture<LedgerDatabase>
{
    static readonly DateOnly Today = new(2026, 11, 1);

    /// <summary>
    /// 40 members each sharing a phone with the one before or an email with the one after (one guest), two sharing a
    /// Zalo id, 15 alone; two duplicates, two bad rows and a blank line; all shuffled, so groups and duplicates span pages.
    /// </summary>
    static byte[] ChainedExport()
    {
        var rows = new List<string>();
        for (var k = 0; k < 40; k++) rows.Add($"C{k:D3},Chuỗi {k},0903{k / 2:D6},chain{(k + 1) / 2}@example.com,,{k * 10}");
        for (var s = 0; s < 15; s++) rows.Add($"S{s:D3},Một mình {s},0912{s:D6},,,{s}");
        rows.Add("Z1,Zalo một,,,zl-777,5");
        rows.Add("Z2,Zalo hai,,,zl-777,6");
        rows.Add("C005,Trùng mã,0988000005,,,1");
        rows.Add(",Chỉ số điện thoại,0977000001,,,2");
        rows.Add(",Chỉ số điện thoại lần nữa,0977 000 001,,,3");
        rows.Add("B1,Số sai,0903 12,,,4");
        rows.Add("B2,Âm,0903999999,,,-4");
        rows.Add("");
        var random = new Random(42);
        var shuffled = rows.OrderBy(_ => random.Next()).ToList();
        return Encoding.UTF8.GetBytes("\npos_customer_id,name,phone,email,zalo_id,points\n" + string.Join('\n', shuffled) + "\n");
    }

    [Fact]
    public async Task Staged_members_rejects_and_groups_are_the_in_memory_reader_and_matchers_across_page_boundaries()
    {
        var file = ChainedExport();
        var tally = new MigrationTally("d1");
        var members = MemberExport.Read(new MemoryStream(file), ColumnPresets.Generic, "d1", MemberExportTests.VndChain, Today, tally);
        var groups = MemberMatcher.Group(members, new Dictionary<GuestIdentifier, LedgerGuest>());

        var migrationId = $"mig_test_{Guid.NewGuid():N}";
        var staged = await new MemberStaging(db.DataSource) { PageSize = 7 }
            .StageAsync(migrationId, new MemoryStream(file), ColumnPresets.Generic, "d1", MemberExportTests.VndChain, Today, default);
        var read = await BatchesAsync(migrationId, size: 1, after: 0);

        Assert.Equal(Json(tally.File), Json(staged));
        Assert.Equal(2, staged.Rejected.Count(r => r.Reason.StartsWith("duplicate member", StringComparison.Ordinal)));
        Assert.Equal(groups.Select(g => Json(g.Members)), read.Select(b => Json(b.Members))); // size 1: a batch is a group
        Assert.Contains(groups, g => g.Members.Count == 40);
    }

    [Fact]
    public async Task Batches_hold_whole_groups_of_at_least_the_batch_size_and_a_resumed_commit_goes_on_after_the_groups_done()
    {
        var file = ChainedExport();
        var members = MemberExport.Read(new MemoryStream(file), ColumnPresets.Generic, "d1", MemberExportTests.VndChain, Today, new MigrationTally("d1"));
        var groups = MemberMatcher.Group(members, new Dictionary<GuestIdentifier, LedgerGuest>());
        var migrationId = $"mig_test_{Guid.NewGuid():N}";
        await new MemberStaging(db.DataSource).StageAsync(migrationId, new MemoryStream(file), ColumnPresets.Generic, "d1",
            MemberExportTests.VndChain, Today, default);

        var after = await new StagedGroups(db.DataSource, migrationId).AfterGroupsAsync(5, default);
        var batches = await BatchesAsync(migrationId, size: 4, after);

        Assert.Equal(Expected(groups.Skip(5), size: 4), batches.Select(b => (b.Groups, Lines(b.Members))));
        Assert.Equal(groups.Count - 5, batches.Sum(b => b.Groups));
    }

    /// <summary>The batches of the in-memory reader: groups added until a batch has <paramref name="size"/> members.</summary>
    static List<(int, string)> Expected(IEnumerable<GuestGroup> groups, int size)
    {
        var (batches, current) = (new List<(int, string)>(), new List<GuestGroup>());
        foreach (var group in groups)
        {
            current.Add(group);
            if (current.Sum(g => g.Members.Count) < size) continue;
            batches.Add((current.Count, Lines(current.SelectMany(g => g.Members))));
            current = [];
        }
        if (current.Count > 0) batches.Add((current.Count, Lines(current.SelectMany(g => g.Members))));
        return batches;
    }

    async Task<List<MemberBatch>> BatchesAsync(string migrationId, int size, int after)
    {
        var batches = new List<MemberBatch>();
        await foreach (var batch in new StagedGroups(db.DataSource, migrationId) { PageSize = 5 }.BatchesAsync(size, after, default))
            batches.Add(batch);
        return batches;
    }

    static string Lines(IEnumerable<SourceMember> members) => string.Join(' ', members.Select(m => m.Line.ToString(CultureInfo.InvariantCulture)));

    static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
