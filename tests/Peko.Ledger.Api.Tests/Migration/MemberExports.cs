using System.Globalization;
using System.Text;
using Bogus;

namespace Peko.Ledger.Api.Tests.Migration;

/// <summary>A real guest as the test knows them: national phone (10 digits), email, and points per restaurant.</summary>
public sealed record Person(string Name, string Phone, string? OldPhone, string Email, Dictionary<string, long> Points,
    Dictionary<string, decimal> Spend);

/// <summary>
/// Member exports generated with Bogus, with the mess real ones have: the same person in several restaurants under
/// different spellings (diacritics dropped, upper case, phones written five ways, old 11-digit Viettel numbers), byte
/// order marks, UTF-16, semicolons, blank and short lines, thousands separators, and bad rows. Knows what it wrote:
/// each restaurant's points in good rows, and the lines of the bad ones.
/// </summary>
public sealed class MemberExports
{
    // Viettel's 03x numbers had 016x before 2018: 032 <- 0162 … 039 <- 0169.
    static readonly string[] Viettel = ["32", "33", "34", "35", "36", "37", "38", "39"];

    public List<Person> People { get; }

    public MemberExports(int people, int seed, string[] restaurants)
    {
        var faker = new Faker("vi") { Random = new Randomizer(seed) };
        People = [.. Enumerable.Range(0, people).Select(i =>
        {
            var viettel = i % 3 == 0;
            var subscriber = (seed * 100_000 + i).ToString("D7", CultureInfo.InvariantCulture)[^7..];
            var phone = viettel ? $"0{faker.PickRandom(Viettel)}{subscriber}" : $"09{i % 10}{subscriber}";
            var inRestaurants = restaurants.Where((_, r) => r == i % restaurants.Length || faker.Random.Bool(0.4f)).ToList();
            return new Person(faker.Name.FullName(), phone, viettel ? $"01{6}{phone[2]}{subscriber}" : null,
                $"guest{seed}.{i}@example.com", inRestaurants.ToDictionary(r => r, _ => (long)faker.Random.Int(0, 3_000_000)),
                inRestaurants.ToDictionary(r => r, _ => (decimal)faker.Random.Int(0, 800) * 10_000m));
        })];
    }

    /// <summary>The points in good rows of a restaurant's export, as the restaurant's POS holds them.</summary>
    public long PointsAt(string restaurant) => People.Sum(p => p.Points.GetValueOrDefault(restaurant));

    public IEnumerable<Person> At(string restaurant) => People.Where(p => p.Points.ContainsKey(restaurant));

    /// <summary>A KiotViet export: UTF-8 with BOM, commas, "1.250.000" thousands dots, blank and short lines, two bad rows.</summary>
    public byte[] KiotViet(string restaurant, Func<Person, long>? points = null)
    {
        var lines = new List<string> { "Mã khách hàng,Tên khách hàng,Điện thoại,Email,Nhóm khách hàng,Điểm hiện tại,Tổng bán,Ngày tạo,Ngày giao dịch cuối" };
        var i = 0;
        foreach (var p in At(restaurant))
        {
            var phone = i % 4 == 0 && p.OldPhone is not null ? Spaced(p.OldPhone) : i % 4 == 1 ? $"+84{p.Phone[1..]}" : p.Phone;
            lines.Add($"KH{++i:D6},{Unaccented(p.Name).ToUpperInvariant()},{phone},{p.Email.ToUpperInvariant()},Thân thiết," +
                      $"\"{Dotted(points?.Invoke(p) ?? p.Points[restaurant])}\",\"{Dotted((long)p.Spend[restaurant])}\",20/11/2021,03/10/2026 19:42");
            if (i == 2) lines.Add("");
            if (i == 3) lines.Add(",,,,,,,,");
        }
        lines.Add("KH900001,Số sai,0903 12,,,\"1.000\",,,");
        lines.Add("KH900002,Âm điểm,0909000001,,,-500,,,");
        lines.Add("KH900003,Dòng ngắn,0909000002");
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n")];
    }

    /// <summary>An iPOS export: UTF-16 with BOM, semicolons, plain numbers, the names as given, one row without identifier.</summary>
    public byte[] IPos(string restaurant)
    {
        var lines = new List<string> { "Mã thành viên;Họ và tên;Số điện thoại;Email;Hạng thành viên;Điểm khả dụng;Chi tiêu 12 tháng;Ngày đăng ký;Lần đến gần nhất" };
        var i = 0;
        foreach (var p in At(restaurant))
            lines.Add($"M{++i};{p.Name};{(i % 2 == 0 ? $"84-{p.Phone[1..4]}-{p.Phone[4..7]}-{p.Phone[7..]}" : p.Phone)};" +
                      $"{(i % 3 == 0 ? "" : p.Email)};Bạc;{p.Points[restaurant]};{p.Spend[restaurant]};2022-01-15;2026-09-30 12:00:00");
        lines.Add(";Không có số;;;;250;;;");
        var text = string.Join("\n", lines) + "\n\n";
        return [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)];
    }

    /// <summary>A Sapo export: UTF-8 without BOM, commas, "1,250,000" thousands commas, phones in parentheses.</summary>
    public byte[] Sapo(string restaurant)
    {
        var lines = new List<string> { "Mã khách hàng,Tên khách hàng,Số điện thoại,Email,Hạng thẻ,Điểm hiện tại,Tổng chi tiêu,Ngày tạo,Ngày mua cuối cùng" };
        var i = 0;
        foreach (var p in At(restaurant))
            lines.Add($"CUS{++i},\"{p.Name.ToLowerInvariant()}\",({p.Phone[..3]}) {p.Phone[3..]},{p.Email},,\"{p.Points[restaurant].ToString("N0", CultureInfo.InvariantCulture)}\"," +
                      $"\"{p.Spend[restaurant].ToString("N0", CultureInfo.InvariantCulture)}\",01/06/2023,15/10/2026");
        lines.Add("CUS999,Email sai,,khong-co-a-cong,,10,,,");
        return Encoding.UTF8.GetBytes(string.Join("\n", lines));
    }

    static string Dotted(long n) => n.ToString("N0", CultureInfo.InvariantCulture).Replace(',', '.');

    static string Spaced(string phone) => $"{phone[..5]} {phone[5..8]} {phone[8..]}";

    static string Unaccented(string text) =>
        new string([.. text.Normalize(NormalizationForm.FormD).Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark)])
            .Replace('đ', 'd').Replace('Đ', 'D');
}
