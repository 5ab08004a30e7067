using System.Text;
using Peko.Ledger.Api.Features.Migration;
using Peko.Ledger.Domain;
using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Migration;

namespace Peko.Ledger.Api.Tests.Migration;

/// <summary>Reading member exports: encodings, separators, messy lines, presets and mappings, rejections (issue 8).</summary>
public sealed class MemberExportTests
{
    static readonly DateOnly Today = new(2026, 11, 1);

    public static Chain VndChain { get; } = Chain.From([
        new ChainCreated("pho-chain", "Phở Chain", "VND", "Asia/Ho_Chi_Minh", "VN", Programme.Default, DateTimeOffset.UnixEpoch),
        new RestaurantAdded("pho-chain", "d1", "Phở Đông Du", "kiotviet", DateTimeOffset.UnixEpoch)]);

    const string KiotVietHeader = "Mã khách hàng,Tên khách hàng,Điện thoại,Email,Nhóm khách hàng,Điểm hiện tại,Tổng bán,Ngày tạo,Ngày giao dịch cuối";

    static (List<SourceMember> Members, MigrationReport Report) Read(byte[] file, string preset = "kiotviet", string? mapping = null)
    {
        var tally = new MigrationTally("d1");
        var members = MemberExport.Read(new MemoryStream(file), ColumnPresets.Resolve(preset, mapping), "d1", VndChain, Today, tally);
        return (members, tally.Report());
    }

    static byte[] Utf8(string text, bool bom = false) => [.. bom ? Encoding.UTF8.GetPreamble() : [], .. Encoding.UTF8.GetBytes(text)];

    [Fact]
    public void A_KiotViet_export_with_a_byte_order_mark_reads_into_typed_members()
    {
        var (members, report) = Read(Utf8($"""
            {KiotVietHeader}
            KH000123,Nguyễn Văn An,0903 123 482,An.Nguyen@Example.com,Vàng,"1.250",12.500.000,20/11/2021,03/10/2026 19:42
            """, bom: true));

        var member = Assert.Single(members);
        Assert.Equal((2, "Nguyễn Văn An", 1250L, "Vàng", 12_500_000m), (member.Line, member.Name, member.Points, member.SourceTier, member.LifetimeSpend));
        Assert.Equal([new GuestIdentifier(IdentifierKind.Phone, "+84903123482"), new GuestIdentifier(IdentifierKind.Email, "an.nguyen@example.com"),
            new GuestIdentifier(IdentifierKind.PosCustomer, "d1:KH000123")], member.Identifiers);
        Assert.Equal((new DateOnly(2021, 11, 20), new DateOnly(2026, 10, 3)), (member.JoinedOn, member.LastVisitOn));
        Assert.Equal((1, 1, 0), (report.RowsRead, report.MembersAccepted, report.RowsRejected));
    }

    [Fact]
    public void UTF16_semicolons_blank_and_short_lines_and_old_11_digit_numbers()
    {
        var text = $"""

            {KiotVietHeader.Replace(',', ';')}
            KH1;Trần Thị Bình;01623 456 789;;;1.500;;01/02/2020;

            ;;;;;;;;
            KH2;Lê Văn Cường;0912345678;;;300
            KH3;"Phạm; Dung";+84 90 111 2233;;;0;;;
            """;
        var (members, report) = Read([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)]);

        Assert.Equal(["+84323456789", "+84901112233"], members.Select(m => m.Identifiers[0].Value));
        Assert.Equal([3, 7], members.Select(m => m.Line));
        Assert.Equal("Phạm; Dung", members[1].Name);
        Assert.Equal(3, report.BlankLines);
        Assert.Equal([new RowRejected(6, "short line: 6 of the header's 9 columns")], report.Rejected);
    }

    [Fact]
    public void Bad_rows_are_rejected_with_their_line_and_reason_and_the_rest_are_read()
    {
        var (members, report) = Read(Utf8($"""
            {KiotVietHeader}
            KH1,Good,0903123482,,,100,,,
            KH2,Bad phone,0903 12,,,100,,,
            KH3,Negative,0903123483,,,-5,,,
            ,No identifier,,,,100,,,
            KH5,Bad number,0903123485,,,"1.25.0",,,
            KH6,Bad date,0903123486,,,10,,31/02/2026,
            KH1,Twice,0903123487,,,10,,,
            KH8,Bad email,,lan@,,10,,,
            KH9,Half a point,0903123489,,,"12,5",,,
            """));

        Assert.Equal([2], members.Select(m => m.Line));
        Assert.Equal(9, report.RowsRead);
        var reasons = report.Rejected.ToDictionary(r => r.Line, r => r.Reason);
        Assert.StartsWith("bad phone: not a valid +84 phone number", reasons[3]);
        Assert.Equal("negative balance (-5 points)", reasons[4]);
        Assert.StartsWith("no identifier", reasons[5]);
        Assert.Equal("points: '1.25.0' is not a number", reasons[6]);
        Assert.StartsWith("joined date: '31/02/2026' is not a date", reasons[7]);
        Assert.Equal("duplicate member: same POS customer id as line 2 (the POS lists one balance per member)", reasons[8]);
        Assert.StartsWith("bad email:", reasons[9]);
        Assert.Equal("points: 12.5 is not a whole number of points", reasons[10]);
        Assert.DoesNotContain(report.Rejected, r => r.Reason.Contains("0903", StringComparison.Ordinal) || r.Reason.Contains("lan@", StringComparison.Ordinal));
    }

    [Fact]
    public void A_line_break_inside_a_quoted_name_keeps_the_line_numbers_of_the_file()
    {
        var (members, _) = Read(Utf8($"{KiotVietHeader}\nKH1,\"Nguyễn\nAn\",0903123482,,,1,,,\nKH2,Bình,0903123483,,,2,,,\n"));
        Assert.Equal([2, 4], members.Select(m => m.Line));
    }

    [Fact]
    public void Points_already_expired_in_the_old_programme_are_rejected_not_migrated() =>
        Assert.Equal("the points expired on 2026-10-31 in the old programme",
            Read(Utf8("Mã thành viên,Số điện thoại,Điểm khả dụng,Hạn sử dụng điểm\nM1,0903123482,50,31/10/2026\n"), "ipos")
                .Report.Rejected.Single().Reason);

    [Theory]
    [InlineData("kiotviet", "Mã khách hàng,Tên khách hàng,Điện thoại,Điểm hiện tại,Tổng bán trừ trả hàng", "KH1,An,0903123482,\"1.250\",\"2.000.000\"")]
    [InlineData("ipos", "Mã thành viên,Họ và tên,Số điện thoại,Zalo ID,Điểm khả dụng,Chi tiêu 12 tháng", "M1,An,0903123482,zl1,\"1.250\",\"2.000.000\"")]
    [InlineData("sapo", "Mã khách hàng,Tên khách hàng,Số điện thoại,Điểm hiện tại,Tổng chi tiêu", "C1,An,0903123482,\"1.250\",\"2.000.000\"")]
    [InlineData("square", "First Name,Surname,Phone Number,Square Customer ID,Loyalty Points,Total Spend,Last Visit", "An,Nguyen,+84903123482,SQ1,\"1,250\",\"2,000,000\",10/03/2026")]
    [InlineData("loyverse", "Customer name,Phone,Customer code,Points balance,Total spent", "An,0903123482,LV1,1250,2000000")]
    [InlineData("generic", "name,phone,pos_customer_id,points,spend_last_12_months", "An,0903123482,G1,1250,2000000")]
    public void Every_preset_reads_its_own_export(string preset, string header, string row)
    {
        var member = Assert.Single(Read(Utf8($"{header}\n{row}\n"), preset).Members);
        Assert.Equal((1250L, 2_000_000m, "+84903123482"), (member.Points, member.TierSpend!.Value, member.Identifiers[0].Value));
        Assert.StartsWith("An", member.Name);
    }

    [Fact]
    public void Headers_match_whatever_their_case_spacing_and_Unicode_composition()
    {
        var decomposed = " ĐIỆN  THOẠI ".Normalize(NormalizationForm.FormD);
        var member = Assert.Single(Read(Utf8($"mã khách hàng,{decomposed},điểm hiện tại\nKH1,0903123482,7\n")).Members);
        Assert.Equal(7, member.Points);
    }

    [Fact]
    public void A_custom_mapping_names_the_columns_and_the_date_order()
    {
        var mapping = """{ "phone": "SĐT", "points": ["Điểm", "Points"], "lastVisitOn": "Lần cuối", "dateOrder": "month-first" }""";
        var member = Assert.Single(Read(Utf8("SĐT;Points;Lần cuối\n0903123482;12;11/20/2025\n"), "custom", mapping).Members);
        Assert.Equal((12L, new DateOnly(2025, 11, 20)), (member.Points, member.LastVisitOn));
    }

    [Fact]
    public void A_header_that_fits_neither_preset_nor_mapping_is_refused_before_any_row()
    {
        var refused = Assert.Throws<InvalidInput>(() => Read(Utf8("Phone,Balance\n0903123482,5\n"), "kiotviet"));
        Assert.Equal("file", refused.Field);
        Assert.Contains("'Điện thoại'", refused.Message);
        Assert.Equal("mapping", Assert.Throws<InvalidInput>(() => Read(Utf8("a\n"), "custom", """{ "telephone": "a" }""")).Field);
        Assert.Equal("preset", Assert.Throws<InvalidInput>(() => Read(Utf8("a\n"), "lightspeed")).Field);
    }

    [Fact]
    public void A_file_in_a_legacy_code_page_is_refused_with_what_to_do()
    {
        var windows1258 = "Mã khách hàng,Điện thoại,Điểm hiện tại\nKH1,0903123482,5\n"u8.ToArray();
        windows1258[1] = 0xE3; // "ã" in Windows-1258, an invalid byte in UTF-8
        Assert.Contains("UTF-8", Assert.Throws<InvalidInput>(() => Read(windows1258)).Message);
    }
}
