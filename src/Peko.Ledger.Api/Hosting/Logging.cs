using System.Diagnostics;
using Serilog;
using Serilog.Formatting.Json;

namespace Peko.Ledger.Api.Hosting;

public static class Logging
{
    /// <summary>
    /// Serilog for everything the host logs: human-readable console lines by default, one JSON object per line with
    /// <c>Peko:LogFormat=json</c>. Levels and extra sinks come from the <c>Serilog</c> configuration section.
    /// </summary>
    public static WebApplicationBuilder AddLedgerLogging(this WebApplicationBuilder builder)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", Serilog.Events.LogEventLevel.Warning)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext();
        configuration = string.Equals(builder.Configuration["Peko:LogFormat"], "json", StringComparison.OrdinalIgnoreCase)
            ? configuration.WriteTo.Console(new JsonFormatter(renderMessage: true))
            : configuration.WriteTo.Console(
                outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}");
        var logger = configuration.CreateLogger();
        builder.Logging.ClearProviders();
        builder.Logging.AddSerilog(logger, dispose: true);
        builder.Services.AddSingleton<Serilog.ILogger>(logger);
        return builder;
    }

    /// <summary>A logger for work done before the host is built (starting the database), through the same Serilog pipeline.</summary>
    public static ILogger<T> StartupLogger<T>(this WebApplicationBuilder builder)
    {
        var serilog = builder.Services.Select(d => d.ImplementationInstance).OfType<Serilog.ILogger>().FirstOrDefault()
                      ?? throw new InvalidOperationException("Call AddLedgerLogging first.");
        return new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog).CreateLogger<T>();
    }

    /// <summary>
    /// One line per request: method, path, status, elapsed. The query string is never logged: lookups carry phone
    /// numbers and emails there.
    /// </summary>
    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app)
    {
        var log = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Peko.Ledger.Requests");
        return app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var status = context.Response.StatusCode;
                log.Log(status >= 500 ? LogLevel.Error : LogLevel.Information,
                    "{Method} {Path} -> {Status} in {ElapsedMs:0.0} ms", context.Request.Method,
                    context.Request.Path.Value, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
    }
}
