using System.Globalization;
using System.Text;
using System.Text.Json;
using Peko.Ledger.Domain;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>What a column of a member export can hold.</summary>
public enum MemberField
{
    Name, FirstName, LastName, Phone, Email, ZaloId, PosCustomerId, Points, PointsExpireOn, Tier, LifetimeSpend,
    SpendLast12Months, JoinedOn, LastVisitOn,
}

/// <summary>Where each field is in a file: the column index of every field the header has.</summary>
public sealed record ResolvedColumns(IReadOnlyDictionary<MemberField, int> Index, int ColumnCount, DateOrder Dates)
{
    public string? this[string[] row, MemberField field] =>
        Index.TryGetValue(field, out var i) && i < row.Length && row[i].Trim() is { Length: > 0 } value ? value : null;
}

/// <summary>
/// A POS export's columns: for each field, the headers it may come under (the first the file has wins). Headers are
/// compared trimmed, case-insensitive and in Unicode NFC, since Vietnamese headers come composed from one POS and
/// decomposed from another.
/// </summary>
public sealed record ColumnMapping(string Name, DateOrder Dates, IReadOnlyDictionary<MemberField, string[]> Headers)
{
    static readonly MemberField[] IdentifierFields = [MemberField.Phone, MemberField.Email, MemberField.ZaloId, MemberField.PosCustomerId];

    /// <summary>The field names of a custom mapping file (JSON), as in the API.</summary>
    public static string FieldName(MemberField field) => JsonNamingPolicy.CamelCase.ConvertName(field.ToString());

    /// <summary>
    /// A custom mapping: a JSON object of field name to header (or a list of headers, first present wins), plus
    /// <c>"dateOrder": "day-first" | "month-first"</c>. Fields it names replace <paramref name="basedOn"/>'s.
    /// </summary>
    public static ColumnMapping FromJson(string json, ColumnMapping? basedOn)
    {
        JsonElement root;
        try { root = JsonDocument.Parse(json).RootElement; }
        catch (JsonException) { throw new InvalidInput("mapping", "The mapping file is not well-formed JSON."); }
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidInput("mapping", "The mapping file is a JSON object: field -> header.");
        var headers = new Dictionary<MemberField, string[]>(basedOn?.Headers ?? new Dictionary<MemberField, string[]>());
        var dates = basedOn?.Dates ?? DateOrder.DayFirst;
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name == "dateOrder")
            {
                dates = property.Value.GetString() switch
                {
                    "day-first" => DateOrder.DayFirst, "month-first" => DateOrder.MonthFirst,
                    _ => throw new InvalidInput("mapping", "dateOrder is \"day-first\" or \"month-first\"."),
                };
                continue;
            }
            var field = Enum.GetValues<MemberField>().FirstOrDefault(f => FieldName(f) == property.Name, (MemberField)(-1));
            if (field < 0)
                throw new InvalidInput("mapping", $"Unknown field '{property.Name}'; the fields are dateOrder, " +
                                                  string.Join(", ", Enum.GetValues<MemberField>().Select(FieldName)) + ".");
            headers[field] = property.Value.ValueKind switch
            {
                JsonValueKind.String => [property.Value.GetString()!],
                JsonValueKind.Array when property.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
                    [.. property.Value.EnumerateArray().Select(e => e.GetString()!)],
                _ => throw new InvalidInput("mapping", $"'{property.Name}' maps to a header name or a list of them."),
            };
        }
        return new ColumnMapping(basedOn is null ? "custom" : $"{basedOn.Name}+custom", dates, headers);
    }

    /// <summary>Finds each field's column in the header; refuses a header that lacks an identifier or the points.</summary>
    public ResolvedColumns Resolve(IReadOnlyList<string> header)
    {
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++) positions.TryAdd(Normalise(header[i]), i);
        var index = new Dictionary<MemberField, int>();
        foreach (var (field, names) in Headers)
            if (names.Select(n => positions.GetValueOrDefault(Normalise(n), -1)).FirstOrDefault(i => i >= 0, -1) is var at and >= 0)
                index[field] = at;
        if (!IdentifierFields.Any(index.ContainsKey))
            throw new InvalidInput("file", $"The header has no identifier column of the {Name} export (" +
                string.Join(", ", IdentifierFields.SelectMany(f => Headers.GetValueOrDefault(f) ?? []).Select(h => $"'{h}'")) +
                "): check the preset, or send a mapping file.");
        if (!index.ContainsKey(MemberField.Points))
            throw new InvalidInput("file", $"The header has no points column of the {Name} export (" +
                string.Join(", ", (Headers.GetValueOrDefault(MemberField.Points) ?? []).Select(h => $"'{h}'")) +
                "): check the preset, or send a mapping file.");
        return new ResolvedColumns(index, header.Count, Dates);
    }

    static string Normalise(string header) =>
        string.Join(' ', header.Trim('\uFEFF', ' ', '\t', '"').Normalize(NormalizationForm.FormC)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToLower(CultureInfo.InvariantCulture);
}
