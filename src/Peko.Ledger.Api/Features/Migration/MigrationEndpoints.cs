using Microsoft.AspNetCore.Http.HttpResults;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Domain;

namespace Peko.Ledger.Api.Features.Migration;

public static class MigrationEndpoints
{
    const long MaxUploadBytes = 512L * 1024 * 1024;

    public static void MapMigrations(this IEndpointRouteBuilder app)
    {
        var migrations = app.MapGroup("/v1/chains/{chainId}/migrations").WithTags("Migration");
        migrations.MapPost("/", DryRun)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxUploadBytes))
            .WithFormOptions(multipartBodyLengthLimit: MaxUploadBytes)
            .WithSummary("Dry run of a restaurant's member export (multipart: file, restaurantId, preset, optional mapping); writes no ledger event.");
        migrations.MapGet("/{migrationId}", Get).WithSummary("A migration: status, dry-run report, commit progress and result.");
        migrations.MapPost("/{migrationId}/commit", Commit)
            .WithSummary("Commit a dry run in the background (resumes an interrupted commit; a committed one changes nothing).");
    }

    static async Task<Created<MigrationView>> DryRun(string chainId, HttpRequest request, Caller caller, MigrationService migrations,
        CancellationToken ct)
    {
        Authorize(caller, chainId);
        if (!request.HasFormContentType) throw new InvalidInput("file", "Send the export as multipart/form-data with a 'file' part.");
        var form = await request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file") ?? throw new InvalidInput("file", "The 'file' part (the member export) is required.");
        if (file.Length == 0 || file.Length > MaxUploadBytes) throw new InvalidInput("file", "The export is empty or larger than 512 MB.");
        var restaurantId = form["restaurantId"].ToString();
        var preset = form["preset"].ToString();
        if (string.IsNullOrWhiteSpace(restaurantId)) throw new InvalidInput("restaurantId", "restaurantId is required.");
        if (string.IsNullOrWhiteSpace(preset)) throw new InvalidInput("preset", $"preset is required: {string.Join(", ", ColumnPresets.Names)}.");
        var mapping = form.Files.GetFile("mapping") is { } m ? await TextOf(m, ct) : null;
        // The form reader keeps a file part past 64 KB in a temporary file: read from there, never whole in memory.
        await using var content = file.OpenReadStream();
        var view = await migrations.DryRunAsync(chainId,
            new MigrationUpload(restaurantId.Trim(), preset, file.FileName, content, mapping), caller, ct);
        return TypedResults.Created($"/v1/chains/{chainId}/migrations/{view.MigrationId}", view);
    }

    static async Task<Ok<MigrationView>> Get(string chainId, string migrationId, Caller caller, MigrationService migrations,
        CancellationToken ct)
    {
        Authorize(caller, chainId);
        return TypedResults.Ok(await migrations.GetAsync(chainId, migrationId, ct));
    }

    static async Task<Results<Accepted<MigrationView>, Ok<MigrationView>>> Commit(string chainId, string migrationId, Caller caller,
        MigrationCommit commit, MigrationCommitter committer, MigrationService migrations, CancellationToken ct)
    {
        Authorize(caller, chainId);
        if (await commit.StartAsync(chainId, migrationId, caller, ct) is not { } started)
            return TypedResults.Ok(await migrations.GetAsync(chainId, migrationId, ct));
        committer.Enqueue(chainId, migrationId, caller);
        return TypedResults.Accepted($"/v1/chains/{chainId}/migrations/{migrationId}", started);
    }

    static void Authorize(Caller caller, string chainId)
    {
        caller.EnsureChain(chainId);
        caller.Require(Role.Admin);
    }

    static async Task<string> TextOf(IFormFile file, CancellationToken ct)
    {
        if (file.Length > 64 * 1024) throw new InvalidInput("mapping", "The mapping file is larger than 64 KB.");
        using var reader = new StreamReader(file.OpenReadStream(), detectEncodingFromByteOrderMarks: true);
        return await reader.ReadToEndAsync(ct);
    }
}
