using System.Globalization;
using System.Text;

namespace Peko.Ledger.Benchmarks;

/// <summary>
/// KiotViet member exports for the migration benchmark, generated deterministically (no randomness: the same files on
/// every run): UTF-8 with a byte-order mark, thousands dots, day-first dates. Every fifth row of a file is a guest
/// who is also in three other restaurants' files (files 0-3 share one pool, 4-7 the next, …), found there by phone;
/// the rest are guests of that restaurant only. A third of the phones are Viettel 03x numbers, half of those written
/// the old 11-digit way; every fourth guest has an email; one row in a thousand has a phone too short to be one.
/// </summary>
public static class MemberFiles
{
    const string Header = "Mã khách hàng,Tên khách hàng,Điện thoại,Email,Nhóm khách hàng,Điểm hiện tại,Tổng bán,Ngày tạo,Ngày giao dịch cuối";
    static readonly string[] Family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"];
    static readonly string[] Middle = ["Văn", "Thị", "Minh", "Ngọc", "Hữu", "Thanh", "Đức", "Thu"];
    static readonly string[] Given = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Khoa", "Lan", "Long", "Mai", "Nam", "Phúc", "Quân", "Trang", "Tuấn", "Vy"];

    /// <summary>What was written: rows in all, and the rows that share their guest with another restaurant's file.</summary>
    public sealed record Written(IReadOnlyList<string> Paths, int Rows, int SharedRows, int BadRows, long Bytes);

    public static Written Write(string folder, int files, int rows, DateOnly today)
    {
        var paths = new List<string>();
        var (written, shared, bad) = (0, 0, 0);
        long bytes = 0;
        for (var f = 0; f < files; f++)
        {
            var path = Path.Combine(folder, $"r{f + 1:D2}-kiotviet.csv");
            var count = rows / files + (f < rows % files ? 1 : 0);
            using (var writer = new StreamWriter(path, false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 1 << 16))
            {
                writer.Write(Header + "\r\n");
                for (var r = 0; r < count; r++)
                {
                    var isShared = r % 5 == 0;
                    var person = isShared ? 50_000_000 + f / 4 * 1_000_000 + r / 5 : f * 1_000_000 + r;
                    var isBad = !isShared && r % 1000 == 999;
                    writer.Write(Row(f, r, person, isBad, today));
                    (shared, bad) = (shared + (isShared ? 1 : 0), bad + (isBad ? 1 : 0));
                }
                written += count;
            }
            bytes += new FileInfo(path).Length;
            paths.Add(path);
        }
        return new Written(paths, written, shared, bad, bytes);
    }

    static string Row(int file, int row, int person, bool bad, DateOnly today)
    {
        var name = $"{Family[person % Family.Length]} {Middle[person / 7 % Middle.Length]} {Given[person / 13 % Given.Length]}";
        if (row % 3 == 1) name = name.ToUpperInvariant();
        var phone = bad ? "0903 12" : Phone(person, oldForm: row % 2 == 0);
        var email = person % 4 == 0 ? $"guest{person}@example.com" : "";
        var points = (long)person * 7_919 % 3_000_000 + file * 11;
        var spend = (long)person * 104_729 % 800 * 10_000;
        var lastVisit = today.AddDays(-(person % 300) - 1);
        return string.Create(CultureInfo.InvariantCulture,
            $"KH{row + 1:D6},{name},{phone},{email},Thân thiết,\"{Dotted(points)}\",\"{Dotted(spend)}\",20/11/2021,{lastVisit:dd/MM/yyyy} 19:42\r\n");
    }

    /// <summary>A guest's number: 09 + 8 digits, or for a third of guests a Viettel 03x number (old form 016x).</summary>
    static string Phone(int person, bool oldForm)
    {
        if (person % 3 != 0) return $"09{person:D8}";
        var (prefix, subscriber) = (2 + person % 8, person / 8 % 10_000_000);
        return oldForm ? $"016{prefix} {subscriber / 1000:D4} {subscriber % 1000:D3}" : $"03{prefix}{subscriber:D7}";
    }

    static string Dotted(long n) => n.ToString("N0", CultureInfo.InvariantCulture).Replace(',', '.');
}
