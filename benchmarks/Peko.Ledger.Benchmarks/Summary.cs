using System.Globalization;

namespace Peko.Ledger.Benchmarks;

/// <summary>The closing table: each figure, its target if it has one, and PASS/FAIL; then the machine facts.</summary>
sealed class Summary(string title)
{
    readonly List<(string Figure, string Value, string Target, string Verdict)> _rows = [];
    readonly List<string> _facts = [];

    public bool AllPassed { get; private set; } = true;

    public void Add(string figure, double value, string unit, double? atLeast = null, string format = "N0", double? below = null)
    {
        var verdict = atLeast is null && below is null ? "" : value >= (atLeast ?? double.MinValue) && value < (below ?? double.MaxValue) ? "PASS" : "FAIL";
        if (verdict == "FAIL") AllPassed = false;
        var target = atLeast is { } t ? $">= {t.ToString(format, CultureInfo.InvariantCulture)}"
            : below is { } b ? $"< {b.ToString(format, CultureInfo.InvariantCulture)}" : "";
        _rows.Add((figure, $"{value.ToString(format, CultureInfo.InvariantCulture)} {unit}".TrimEnd(), target, verdict));
    }

    /// <summary>A target that could not be measured counts as missed.</summary>
    public void Missing(string figure, string reason)
    {
        AllPassed = false;
        _rows.Add((figure, reason, "", "FAIL"));
    }

    public void Fact(string fact) => _facts.Add(fact);

    public void Print()
    {
        string[] head = ["Figure", "Measured", "Target", ""];
        var widths = Enumerable.Range(0, 3).Select(i => _rows.Select(r => Cell(r, i).Length).Append(head[i].Length).Max())
            .ToArray();
        string Line(string a, string b, string c, string d) =>
            $"| {a.PadRight(widths[0])} | {b.PadLeft(widths[1])} | {c.PadRight(widths[2])} | {d,-4} |";

        Console.WriteLine();
        Console.WriteLine($"== {title} ==");
        Console.WriteLine(Line(head[0], head[1], head[2], head[3]));
        Console.WriteLine(Line(new('-', widths[0]), new('-', widths[1]), new('-', widths[2]), "----"));
        foreach (var r in _rows) Console.WriteLine(Line(r.Figure, r.Value, r.Target, r.Verdict));
        foreach (var fact in _facts) Console.WriteLine($"  {fact}");
        Console.WriteLine(AllPassed ? "All targets met." : "At least one target was missed.");
    }

    static string Cell((string Figure, string Value, string Target, string Verdict) r, int i) =>
        i switch { 0 => r.Figure, 1 => r.Value, _ => r.Target };
}
