using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Peko.Ledger.Api.Features.Auth;
using Peko.Ledger.Domain;
using Peko.Ledger.EventStore;
using Peko.Ledger.EventStore.Projections;

namespace Peko.Ledger.Api.Hosting;

/// <summary>
/// Every error is an RFC 9457 problem+json. This is the one place where exceptions become problems; an unexpected
/// exception is logged with its stack trace and answered with a 500 that reveals nothing of it.
/// </summary>
public static class Problems
{
    public const string TypePrefix = "urn:peko-ledger:problem:";

    public static string Type(string code) => TypePrefix + code;

    public static WebApplicationBuilder AddLedgerProblems(this WebApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
            context.ProblemDetails.Extensions.Remove("exception"); // never a stack trace to a client
        });
        builder.Services.AddExceptionHandler<ExceptionToProblem>();
        // Malformed JSON and unreadable parameters throw, so they reach the handler below as a 400 with a reason.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return builder;
    }

    public static IApplicationBuilder UseLedgerProblems(this IApplicationBuilder app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>Most broken rules are 422; a few say "that exists already" (409) or "there is no such thing" (404).</summary>
    static int StatusFor(string code) => code switch
    {
        "chain-exists" or "restaurant-exists" or "idempotency-key-reused" or "month-already-closed" => StatusCodes.Status409Conflict,
        _ when code.EndsWith("-not-found", StringComparison.Ordinal) => StatusCodes.Status404NotFound,
        _ => StatusCodes.Status422UnprocessableEntity,
    };

    static ValidationProblemDetails Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]> { [field] = [message] });

    static ValidationProblemDetails Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        new(errors.ToDictionary())
        {
            Status = StatusCodes.Status400BadRequest, Type = Type("invalid-request"),
            Title = "One or more fields are invalid. Nothing was written.",
        };

    /// <summary>
    /// Bad JSON is bad input like any other (issue 3): a 400 naming the field whose value did not fit ("amount" for
    /// <c>"amount": "lots"</c>), or "body" when the text is not JSON at all. The serializer's own message names .NET
    /// types, so it is not passed on.
    /// </summary>
    static ValidationProblemDetails UnreadableJson(JsonException json)
    {
        var syntax = json.InnerException is JsonException; // the reader's error, wrapped with the path it reached
        var field = json.Path is { Length: > 2 } path && !syntax ? path.TrimStart('$', '.') : "body";
        return Invalid(field, field == "body" ? "The body is not well-formed JSON." : $"{field} has a value of the wrong type.");
    }

    sealed class ExceptionToProblem(IProblemDetailsService problems, ILogger<ExceptionToProblem> log) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
        {
            var problem = exception switch
            {
                InvalidInput invalid => Invalid(invalid.Field, invalid.Message),
                InvalidInputs invalid => Invalid(invalid.Errors),
                BadHttpRequestException { InnerException: JsonException json } => UnreadableJson(json),
                LedgerRuleViolation rule => new ProblemDetails
                {
                    Status = StatusFor(rule.Code), Type = Type(rule.Code), Title = rule.Message,
                    Detail = "Nothing was written.",
                },
                NotFoundException missing => new ProblemDetails
                {
                    Status = StatusCodes.Status404NotFound, Type = Type(missing.Code), Title = missing.Message,
                },
                ForbiddenException forbidden => new ProblemDetails
                {
                    Status = StatusCodes.Status403Forbidden, Type = Type("forbidden"), Title = forbidden.Message,
                },
                BadHttpRequestException bad => new ProblemDetails
                {
                    Status = bad.StatusCode, Type = Type("bad-request"), Title = "The request could not be read.",
                    Detail = bad.Message,
                },
                WrongExpectedVersionException => new ProblemDetails
                {
                    Status = StatusCodes.Status409Conflict, Type = Type("version-conflict"),
                    Title = "Someone else changed this at the same moment; retry the request.",
                },
                Features.Jobs.TamperFoundException tamper => new ProblemDetails
                {
                    Status = StatusCodes.Status409Conflict, Type = Type("tamper-found"), Title = tamper.Message,
                    Detail = "Nothing was sealed. The run is recorded as failed.",
                },
                ProjectionBehindException => new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable, Type = Type("catching-up"),
                    Title = "The ledger's reports are still taking in the latest events; retry in a few seconds.",
                },
                _ => null,
            };
            if (exception is ProjectionBehindException) http.Response.Headers.RetryAfter = "5";
            if (problem is null)
            {
                log.LogError(exception, "Unhandled exception on {Method} {Path}", http.Request.Method, http.Request.Path);
                problem = new ProblemDetails
                {
                    Status = StatusCodes.Status500InternalServerError, Type = Type("internal-error"),
                    Title = "Something went wrong on our side. Nothing was written; the request can be retried.",
                };
            }
            http.Response.StatusCode = problem.Status!.Value;
            if (await problems.TryWriteAsync(new ProblemDetailsContext
                    { HttpContext = http, ProblemDetails = problem, Exception = exception })) return true;
            // The client accepts neither JSON nor problem+json (e.g. only application/x-ndjson for progress lines): an
            // error is still a problem document, never an empty 500.
            await http.Response.WriteAsJsonAsync(problem, (System.Text.Json.JsonSerializerOptions?)null, "application/problem+json", ct);
            return true;
        }
    }
}
