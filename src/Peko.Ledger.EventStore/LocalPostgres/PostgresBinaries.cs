namespace Peko.Ledger.EventStore.LocalPostgres;

/// <summary>Finds the PostgreSQL server programs: first on PATH, then the newest <c>/usr/lib/postgresql/*/bin</c>.</summary>
public static class PostgresBinaries
{
    public const string NotFoundMessage =
        "No PostgreSQL server binaries were found (looked for initdb and pg_ctl on PATH and in /usr/lib/postgresql/*/bin). " +
        "Any one of these gets you going: install PostgreSQL (e.g. `apt-get install postgresql-15`); " +
        "or start one with Docker: `docker compose up -d postgres`; " +
        "or point Peko Ledger at an existing server with a connection string " +
        "(ConnectionStrings__Ledger for the service, PEKO_TEST_POSTGRES for the tests).";

    /// <summary>The folder holding initdb and pg_ctl, or null.</summary>
    public static string? Find(string? pathVariable = null, string libRoot = "/usr/lib/postgresql")
    {
        var path = pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (HasServerTools(dir)) return dir;

        if (!Directory.Exists(libRoot)) return null;
        return Directory.GetDirectories(libRoot)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: decimal.TryParse(Path.GetFileName(d),
                System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0))
            .Where(x => HasServerTools(x.Dir))
            .OrderByDescending(x => x.Version)
            .Select(x => x.Dir)
            .FirstOrDefault();
    }

    public static string FindOrThrow() => Find() ?? throw new PostgresNotFoundException(NotFoundMessage);

    static bool HasServerTools(string dir) =>
        File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));
}

public sealed class PostgresNotFoundException(string message) : Exception(message);
