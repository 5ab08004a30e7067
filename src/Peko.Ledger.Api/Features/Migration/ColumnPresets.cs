using Peko.Ledger.Domain;
using static Peko.Ledger.Api.Features.Migration.MemberField;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// The member exports of the POSes our chains come from, as their customer lists export them (docs/migration.md lists
/// the columns). Where a POS has named a column two ways across versions, both are listed, the newer first. Exports
/// differ between versions and settings: when a file does not fit, a mapping file fixes it without a code change.
/// </summary>
public static class ColumnPresets
{
    public static readonly ColumnMapping KiotViet = new("kiotviet", DateOrder.DayFirst, new Dictionary<MemberField, string[]>
    {
        [PosCustomerId] = ["Mã khách hàng"], [Name] = ["Tên khách hàng"], [Phone] = ["Điện thoại"], [Email] = ["Email"],
        [Points] = ["Điểm hiện tại"], [Tier] = ["Nhóm khách hàng"], [LifetimeSpend] = ["Tổng bán trừ trả hàng", "Tổng bán"],
        [JoinedOn] = ["Ngày tạo"], [LastVisitOn] = ["Ngày giao dịch cuối"],
    });

    public static readonly ColumnMapping IPos = new("ipos", DateOrder.DayFirst, new Dictionary<MemberField, string[]>
    {
        [PosCustomerId] = ["Mã thành viên", "Mã khách hàng"], [Name] = ["Họ và tên", "Tên khách hàng"],
        [Phone] = ["Số điện thoại"], [Email] = ["Email"], [ZaloId] = ["Zalo ID"], [Points] = ["Điểm khả dụng", "Điểm hiện có"],
        [PointsExpireOn] = ["Hạn sử dụng điểm"], [Tier] = ["Hạng thành viên"], [LifetimeSpend] = ["Tổng chi tiêu"],
        [SpendLast12Months] = ["Chi tiêu 12 tháng"], [JoinedOn] = ["Ngày đăng ký"], [LastVisitOn] = ["Lần đến gần nhất"],
    });

    public static readonly ColumnMapping Sapo = new("sapo", DateOrder.DayFirst, new Dictionary<MemberField, string[]>
    {
        [PosCustomerId] = ["Mã khách hàng"], [Name] = ["Tên khách hàng"], [Phone] = ["Số điện thoại"], [Email] = ["Email"],
        [Points] = ["Điểm hiện tại", "Điểm tích lũy"], [Tier] = ["Hạng thẻ", "Nhóm khách hàng"],
        [LifetimeSpend] = ["Tổng chi tiêu"], [JoinedOn] = ["Ngày tạo"], [LastVisitOn] = ["Ngày mua cuối cùng"],
    });

    public static readonly ColumnMapping Square = new("square", DateOrder.MonthFirst, new Dictionary<MemberField, string[]>
    {
        [PosCustomerId] = ["Square Customer ID", "Reference ID"], [FirstName] = ["First Name"], [LastName] = ["Surname", "Last Name"],
        [Email] = ["Email Address"], [Phone] = ["Phone Number"], [Points] = ["Loyalty Points", "Points Balance"],
        [LifetimeSpend] = ["Total Spend"], [JoinedOn] = ["Creation Date", "First Visit"], [LastVisitOn] = ["Last Visit"],
    });

    public static readonly ColumnMapping Loyverse = new("loyverse", DateOrder.DayFirst, new Dictionary<MemberField, string[]>
    {
        [PosCustomerId] = ["Customer code"], [Name] = ["Customer name"], [Email] = ["Email"], [Phone] = ["Phone"],
        [Points] = ["Points balance"], [LifetimeSpend] = ["Total spent"], [JoinedOn] = ["First visit"], [LastVisitOn] = ["Last visit"],
    });

    /// <summary>Our own layout, for chains that prepare their file by hand: the API's field names in snake case.</summary>
    public static readonly ColumnMapping Generic = new("generic", DateOrder.DayFirst, new Dictionary<MemberField, string[]>
    {
        [Name] = ["name"], [FirstName] = ["first_name"], [LastName] = ["last_name"], [Phone] = ["phone"], [Email] = ["email"],
        [ZaloId] = ["zalo_id"], [PosCustomerId] = ["pos_customer_id"], [Points] = ["points"], [PointsExpireOn] = ["points_expire_on"],
        [Tier] = ["tier"], [LifetimeSpend] = ["lifetime_spend"], [SpendLast12Months] = ["spend_last_12_months"],
        [JoinedOn] = ["joined_on"], [LastVisitOn] = ["last_visit_on"],
    });

    static readonly ColumnMapping[] All = [KiotViet, IPos, Sapo, Square, Loyverse, Generic];

    public static IReadOnlyList<string> Names => [.. All.Select(p => p.Name), "custom"];

    /// <summary>The preset of that name, with the custom mapping (if any) on top; "custom" takes the mapping alone.</summary>
    public static ColumnMapping Resolve(string? preset, string? mappingJson)
    {
        var name = preset?.Trim().ToLowerInvariant();
        if (name == "custom")
            return mappingJson is null
                ? throw new InvalidInput("mapping", "The custom preset needs a mapping file.")
                : ColumnMapping.FromJson(mappingJson, null);
        var basedOn = All.FirstOrDefault(p => p.Name == name)
                      ?? throw new InvalidInput("preset", $"preset is one of {string.Join(", ", Names)}.");
        return mappingJson is null ? basedOn : ColumnMapping.FromJson(mappingJson, basedOn);
    }
}
