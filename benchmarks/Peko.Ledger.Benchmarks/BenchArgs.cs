using System.Globalization;

namespace Peko.Ledger.Benchmarks;

/// <summary><c>--name value</c> options of a benchmark; each benchmark reads the ones it knows, with its defaults.</summary>
public sealed class BenchArgs
{
    readonly Dictionary<string, string> _values;
    BenchArgs(Dictionary<string, string> values) => _values = values;

    public static BenchArgs Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"Expected '--name value' pairs, got '{string.Join(' ', args[i..])}'.");
            values[args[i][2..]] = args[i + 1];
        }
        return new BenchArgs(values);
    }

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public string Text(string name, string fallback) => _values.GetValueOrDefault(name, fallback);
}
