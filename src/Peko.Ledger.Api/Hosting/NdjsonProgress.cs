using System.Text.Json;

namespace Peko.Ledger.Api.Hosting;

/// <summary>
/// Long work over HTTP: when the client asks for <c>application/x-ndjson</c>, the response is progress lines
/// (<c>{"kind":"progress","events":n,"total":N}</c>) as the work goes, then one result line
/// (<c>{"kind":"result","result":{…}}</c>); otherwise it is the result alone, as JSON. The CLI draws its progress bars
/// from the lines.
/// </summary>
public static class NdjsonProgress
{
    public const string MediaType = "application/x-ndjson";
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    static readonly byte[] NewLine = "\n"u8.ToArray();

    public static async Task RunAsync<T>(HttpContext http, Func<Func<long, long, ValueTask>?, Task<T>> work, CancellationToken ct)
    {
        var streaming = http.Request.GetTypedHeaders().Accept
            .Any(a => a.MediaType.Equals(MediaType, StringComparison.OrdinalIgnoreCase));
        var response = http.Response;
        if (!streaming)
        {
            var result = await work(null);
            response.ContentType = "application/json; charset=utf-8";
            await JsonSerializer.SerializeAsync(response.Body, result, Json, ct);
            return;
        }
        response.ContentType = MediaType;
        var finished = await work(async (done, total) => await LineAsync(response, new Progress("progress", done, total), ct));
        await LineAsync(response, new ResultLine<T>("result", finished), ct);
    }

    static async Task LineAsync<T>(HttpResponse response, T line, CancellationToken ct)
    {
        await JsonSerializer.SerializeAsync(response.Body, line, Json, ct);
        await response.Body.WriteAsync(NewLine, ct);
        await response.Body.FlushAsync(ct);
    }

    sealed record Progress(string Kind, long Events, long Total);
    sealed record ResultLine<T>(string Kind, T Result);
}
