namespace Peko.Ledger.Api.Features.Migration;

/// <summary>
/// An upload that can be read more than once (staged, then stored): the stream itself when it can seek, as ASP.NET
/// Core's form reader gives a multipart file (kept in a temporary file past 64 KB), else a copy of it in a temporary
/// file of our own, deleted on dispose. Either way the file is never held whole in memory.
/// </summary>
public sealed class SeekableUpload : IAsyncDisposable
{
    readonly bool _owned;
    readonly long _start;

    SeekableUpload(Stream stream, bool owned)
    {
        Stream = stream;
        _owned = owned;
        _start = stream.Position;
    }

    public Stream Stream { get; }

    public static async Task<SeekableUpload> OfAsync(Stream content, CancellationToken ct)
    {
        if (content.CanSeek) return new SeekableUpload(content, owned: false);
        var file = TemporaryFile();
        try
        {
            await content.CopyToAsync(file, ct);
            file.Position = 0;
            return new SeekableUpload(file, owned: true);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    /// <summary>An empty temporary file, deleted when closed.</summary>
    public static FileStream TemporaryFile() => new(Path.Combine(Path.GetTempPath(), $"peko-upload-{Guid.NewGuid():N}"),
        FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    /// <summary>Back to where the upload starts; returns the stream.</summary>
    public Stream Rewind()
    {
        Stream.Position = _start;
        return Stream;
    }

    public ValueTask DisposeAsync() => _owned ? Stream.DisposeAsync() : ValueTask.CompletedTask;
}
