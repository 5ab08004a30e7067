using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Peko.Ledger.Cli;

/// <summary>
/// The service's HTTP API as commands use it: the API key on every request, JSON answers read into records, and every
/// failure turned into a <see cref="CliException"/> of one line: an RFC 9457 problem by its status, code, title and
/// field errors, with the exit code its status calls for (400: bad input; 409, 422: the ledger refused; else HTTP).
/// </summary>
public sealed class LedgerClient : IDisposable
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    const string ProblemPrefix = "urn:peko-ledger:problem:";
    readonly HttpClient _http;

    public LedgerClient(Uri baseAddress, string key, HttpMessageHandler handler)
    {
        // Uploads of large exports and their dry runs take minutes: no client timeout; Ctrl+C stops waiting.
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    public Uri BaseAddress => _http.BaseAddress!;

    public Task<T> GetAsync<T>(string path, CancellationToken ct) => SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), ct);

    public Task<T> PostAsync<T>(string path, HttpContent? content, CancellationToken ct) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, ct);

    /// <summary>
    /// Long work that answers with NDJSON progress lines (docs/audit.md, "Progress lines"): each progress line goes to
    /// <paramref name="progress"/> (events done, total), and the result line is returned.
    /// </summary>
    public async Task<T> WithProgressAsync<T>(HttpMethod method, string path, Action<long, long> progress, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        using var response = await SendRawAsync(request, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0) continue;
            var parsed = Parse<ProgressLine<T>>(line, request);
            if (parsed.Kind == "progress") progress(parsed.Events, parsed.Total);
            else if (parsed.Kind == "result" && parsed.Result is { } result) return result;
        }
        throw new CliException(ExitCodes.HttpError, $"{request.RequestUri}: the answer ended before its result (the service stopped?).");
    }

    /// <summary>Copies a streamed answer to <paramref name="target"/>, reporting the bytes copied; returns them.</summary>
    public async Task<long> DownloadAsync(string path, Stream target, Action<long> copied, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        using var response = await SendRawAsync(request, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[1 << 16];
        var total = 0L;
        int read;
        while ((read = await body.ReadAsync(buffer, ct)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, read), ct);
            copied(total += read);
        }
        return total;
    }

    async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try { response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct); }
        catch (HttpRequestException e)
        {
            throw new CliException(ExitCodes.HttpError, $"cannot reach the service at {BaseAddress}: {OneLine(e.Message)}");
        }
        if (response.IsSuccessStatusCode) return response;
        using (response) throw await ProblemAsync(response, ct);
    }

    static T Parse<T>(string line, HttpRequestMessage request)
    {
        try { return JsonSerializer.Deserialize<T>(line, Json) ?? throw AnsweredNothing(request); }
        catch (JsonException) { throw NotOurAnswer(request); }
    }

    static CliException AnsweredNothing(HttpRequestMessage request) =>
        new(ExitCodes.HttpError, $"{request.RequestUri}: the service answered nothing.");

    static CliException NotOurAnswer(HttpRequestMessage request) =>
        new(ExitCodes.HttpError, $"{request.RequestUri}: the answer is not what a Peko Ledger service sends (check --url).");

    sealed record ProgressLine<T>(string Kind, long Events, long Total, T? Result);

    async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
        using (var response = await SendRawAsync(request, ct))
        {
            try { return await response.Content.ReadFromJsonAsync<T>(Json, ct) ?? throw AnsweredNothing(request); }
            catch (JsonException) { throw NotOurAnswer(request); }
        }
    }

    static async Task<CliException> ProblemAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        Problem? problem = null;
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
            try { problem = await response.Content.ReadFromJsonAsync<Problem>(Json, ct); }
            catch (JsonException) { }
        var code = problem?.Type is { } type && type.StartsWith(ProblemPrefix, StringComparison.Ordinal) ? type[ProblemPrefix.Length..] : null;
        var title = problem?.Title ?? response.ReasonPhrase ?? "";
        var what = $"{status}{(code is null ? "" : $" {code}")}";
        var errors = problem?.Errors is { Count: > 0 } e ? " " + string.Join("; ", e.Select(x => $"{x.Key}: {string.Join(" ", x.Value)}")) : "";
        var line = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => $"the service refused the API key ({status}): check --key or PEKO_LEDGER_KEY.",
            HttpStatusCode.Forbidden => $"this API key may not do that ({what}): {title}",
            _ => $"{what}: {title}{errors}",
        };
        return new CliException(status switch
        {
            400 => ExitCodes.BadInput,
            409 or 422 => ExitCodes.Problem,
            _ => ExitCodes.HttpError,
        }, OneLine(line));
    }

    static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    public void Dispose() => _http.Dispose();

    sealed record Problem(string? Type, string? Title, int? Status, string? Detail, Dictionary<string, string[]>? Errors);
}
