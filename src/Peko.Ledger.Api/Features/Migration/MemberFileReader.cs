using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;
using Peko.Ledger.Domain;

namespace Peko.Ledger.Api.Features.Migration;

/// <summary>A line of a member export: its number in the file, its fields, and whether it held nothing.</summary>
public readonly record struct FileRow(int Line, string[] Fields, bool Blank);

/// <summary>
/// Reads a member export as it comes from a POS or a spreadsheet: UTF-8 with or without a byte-order mark, or UTF-16
/// with one; comma, semicolon or tab separated (the header line decides); quoted fields; blank lines (also lines of
/// separators only, as spreadsheets save them) are counted, not read. Streams the rows, so a file of any size reads
/// in flat memory. Line numbers are the file's own (the header is line 1 unless blank lines precede it).
/// </summary>
public sealed class MemberFileReader : IDisposable
{
    static readonly char[] Separators = [',', ';', '\t'];
    readonly StreamReader _reader;
    readonly CsvParser _parser;
    readonly int _headerLine;

    public MemberFileReader(Stream stream)
    {
        _reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true,
            bufferSize: 1 << 16, leaveOpen: true);
        string? line;
        do
        {
            line = Decode(_reader.ReadLine);
            _headerLine++;
            if (line is not null && string.IsNullOrWhiteSpace(line)) BlankLinesBeforeHeader++;
        } while (line is not null && string.IsNullOrWhiteSpace(line));
        if (line is null) throw new InvalidInput("file", "The file is empty.");
        Delimiter = Separators.MaxBy(s => CountOutsideQuotes(line, s));
        using (var header = new CsvParser(new StringReader(line), Configuration(Delimiter)))
            Header = header.Read() ? header.Record! : [];
        _parser = new CsvParser(_reader, Configuration(Delimiter));
    }

    public IReadOnlyList<string> Header { get; }
    public char Delimiter { get; }
    public int BlankLinesBeforeHeader { get; }

    public IEnumerable<FileRow> Rows()
    {
        while (Decode(_parser.Read))
        {
            var fields = _parser.Record ?? [];
            // RawRow is the last physical line read; a quoted field with line breaks started that many lines earlier.
            var line = _headerLine + _parser.RawRow - _parser.RawRecord.TrimEnd('\r', '\n').Count(c => c == '\n');
            yield return new FileRow(line, fields, fields.All(string.IsNullOrWhiteSpace));
        }
    }

    public void Dispose()
    {
        _parser.Dispose();
        _reader.Dispose();
    }

    static CsvConfiguration Configuration(char delimiter) => new(CultureInfo.InvariantCulture)
    {
        Delimiter = delimiter.ToString(),
        IgnoreBlankLines = false,
        BadDataFound = null,
        TrimOptions = TrimOptions.Trim,
    };

    static T Decode<T>(Func<T> read)
    {
        try { return read(); }
        catch (DecoderFallbackException)
        {
            throw new InvalidInput("file", "The file is not UTF-8, nor UTF-16 with a byte-order mark: save the export as " +
                                           "UTF-8 (\"CSV UTF-8\" in Excel) and upload it again.");
        }
    }

    static int CountOutsideQuotes(string line, char separator)
    {
        var (count, quoted) = (0, false);
        foreach (var c in line)
            if (c == '"') quoted = !quoted;
            else if (c == separator && !quoted) count++;
        return count;
    }
}
