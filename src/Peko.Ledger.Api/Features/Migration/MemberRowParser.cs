using Peko.Ledger.Domain.Chains;
using Peko.Ledger.Domain.Guests;
using Peko.Ledger.Domain.Migration;
using static Peko.Ledger.Api.Features.Migration.MemberField;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// Turns a line of an export into a <see cref="SourceMember"/>, or a rejection that says why: phones normalised with
/// the chain's default region (old 11-digit Vietnamese mobiles become their current numbers), a balance of zero or more
/// whole points, amounts with no more decimals than the chain's currency has, dates the preset's way round. Reasons
/// never repeat a phone number or email address: reports and logs are read by many.
/// </summary>
public sealed class MemberRowParser(ResolvedColumns columns, string restaurantId, Chain chain, DateOnly today)
{
    const int MaxNameLength = 200;
    const long MaxPoints = 1_000_000_000_000;

    public SourceMember? Parse(FileRow row, out RowRejected? rejected)
    {
        rejected = null;
        try { return Member(row); }
        catch (RowProblem problem)
        {
            rejected = new RowRejected(row.Line, problem.Message);
            return null;
        }
    }

    SourceMember Member(FileRow row)
    {
        var f = row.Fields;
        if (f.Length < columns.ColumnCount)
            throw new RowProblem($"short line: {f.Length} of the header's {columns.ColumnCount} columns");
        if (f.Length > columns.ColumnCount)
            throw new RowProblem($"long line: {f.Length} columns where the header has {columns.ColumnCount} (a separator inside an unquoted value?)");

        var name = columns[f, Name] ?? string.Join(' ', new[] { columns[f, FirstName], columns[f, LastName] }.OfType<string>());
        if (name.Length > MaxNameLength) throw new RowProblem($"name is longer than {MaxNameLength} characters");
        var ids = Identifiers(f);
        if (ids.Count == 0) throw new RowProblem("no identifier: the row has no phone, email, Zalo id or POS customer id");

        var points = Number(f, Points, "points") ?? 0;
        if (points < 0) throw new RowProblem($"negative balance ({points} points)");
        if (points != decimal.Truncate(points)) throw new RowProblem($"points: {points} is not a whole number of points");
        if (points > MaxPoints) throw new RowProblem($"points: {points} is more than any programme holds");
        var expires = Date(f, PointsExpireOn, "points expiry");
        if (expires <= today && points > 0) throw new RowProblem($"the points expired on {expires:yyyy-MM-dd} in the old programme");

        return new SourceMember(row.Line, name.Length == 0 ? null : name, ids, (long)points, expires, columns[f, MemberField.Tier],
            Spend(f, LifetimeSpend, "lifetime spend"), Spend(f, SpendLast12Months, "spend in the last 12 months"),
            Date(f, JoinedOn, "joined date"), Date(f, LastVisitOn, "last visit date"));
    }

    List<GuestIdentifier> Identifiers(string[] f)
    {
        var ids = new List<GuestIdentifier>();
        string? error;
        if (columns[f, Phone] is { } phone)
            ids.Add(GuestIdentifier.TryPhone(phone, chain.DefaultPhoneRegion, out var id, out error) ? id : throw new RowProblem($"bad phone: {error}"));
        if (columns[f, Email] is { } email)
            ids.Add(GuestIdentifier.TryEmail(email, out var id, out error) ? id : throw new RowProblem($"bad email: {error}"));
        if (columns[f, ZaloId] is { } zalo)
            ids.Add(GuestIdentifier.TryZalo(zalo, out var id, out error) ? id : throw new RowProblem($"bad Zalo id: {error}"));
        if (columns[f, PosCustomerId] is { } pos)
            ids.Add(GuestIdentifier.TryPosCustomer(restaurantId, pos, out var id, out error) ? id : throw new RowProblem($"bad POS customer id: {error}"));
        return ids;
    }

    decimal? Spend(string[] f, MemberField field, string what)
    {
        var amount = Number(f, field, what);
        if (amount < 0) throw new RowProblem($"negative {what} ({amount})");
        if (amount is { } a && !chain.Currency.HasValidPrecision(a))
            throw new RowProblem($"{what}: {chain.Currency.Code} amounts have {chain.Currency.MinorUnits} decimal places at most");
        return amount is > Currency.MaxAmount ? throw new RowProblem($"{what} is above the limit of {Currency.MaxAmount:N0}") : amount;
    }

    decimal? Number(string[] f, MemberField field, string what) =>
        columns[f, field] is not { } raw ? null
        : SourceNumbers.Parse(raw, out var value) is { } error ? throw new RowProblem($"{what}: {error}") : value;

    DateOnly? Date(string[] f, MemberField field, string what) =>
        columns[f, field] is not { } raw ? null
        : SourceDates.Parse(raw, columns.Dates, out var date) is { } error ? throw new RowProblem($"{what}: {error}") : date;

    sealed class RowProblem(string reason) : Exception(reason);
}
