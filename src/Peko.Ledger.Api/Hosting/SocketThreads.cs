using Peko.Ledger.EventStore;

namespace Peko.Ledger.Api.Hosting;

/// <summary>
/// The till's requests run where their sockets complete; every other request runs on the thread pool
/// (<see cref="BackgroundWork"/>, docs/architecture.md "Socket threads"). A route opts in with
/// <see cref="RunOnSocketThreads{TBuilder}"/> when each of its steps between two awaits is short: a socket thread
/// serves many connections, and a report or an import held on it would hold up the tills whose sockets it serves.
/// </summary>
public static class SocketThreads
{
    public static TBuilder RunOnSocketThreads<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(OnSocketThreads.Instance);

    /// <summary>Goes first, so that for any other route the whole pipeline, the key's check included, runs on the pool.</summary>
    public static IApplicationBuilder UseSocketThreadsForTills(this IApplicationBuilder app) =>
        app.Use((context, next) => context.GetEndpoint()?.Metadata.GetMetadata<OnSocketThreads>() is not null
            ? next(context)
            : BackgroundWork.Run(() => next(context)));

    sealed class OnSocketThreads
    {
        public static readonly OnSocketThreads Instance = new();
    }
}
