namespace Peko.Ledger.EventStore;

/// <summary>
/// Where the code after an awaited database or HTTP read resumes. The service runs socket completions inline
/// (<see cref="SocketCompletions"/>): a till's request resumes on the runtime's socket thread, saving a hop through the
/// thread pool per round trip. Long work (projections, jobs, migrations, audits, reports) is started here instead, and
/// resumes on the thread pool after every await, so its CPU never holds up the sockets the tills are waiting on.
/// </summary>
public static class BackgroundWork
{
    /// <summary>Runs every task it is given on the thread pool, and never inline on a thread outside it.</summary>
    public static TaskScheduler Scheduler { get; } = new ThreadPoolOnly();

    /// <summary>Starts <paramref name="work"/> on the thread pool; each of its awaits resumes there.</summary>
    public static Task Run(Func<Task> work, CancellationToken ct = default) =>
        Task.Factory.StartNew(work, ct, TaskCreationOptions.DenyChildAttach, Scheduler).Unwrap();

    /// <inheritdoc cref="Run(Func{Task}, CancellationToken)"/>
    public static Task<T> Run<T>(Func<Task<T>> work, CancellationToken ct = default) =>
        Task.Factory.StartNew(work, ct, TaskCreationOptions.DenyChildAttach, Scheduler).Unwrap();

    /// <summary>
    /// An <c>await</c> inside a task of a scheduler other than the default one hands its continuation back to that
    /// scheduler, wherever the awaited operation completed. This one queues it to the thread pool, and lets it run
    /// inline only on a thread of the pool.
    /// </summary>
    sealed class ThreadPoolOnly : TaskScheduler
    {
        protected override void QueueTask(Task task) =>
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.Scheduler.TryExecuteTask(state.Task),
                (Scheduler: this, Task: task), preferLocal: false);

        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
            Thread.CurrentThread.IsThreadPoolThread && TryExecuteTask(task);

        protected override IEnumerable<Task>? GetScheduledTasks() => null;
    }
}

/// <summary>
/// The runtime's switch <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c>: when it is <c>1</c>, the code after a
/// socket read or write resumes on the socket thread that saw it complete instead of being queued to the thread pool.
/// On the counter's path that is a hop, a wake-up and a context switch saved per database round trip and per HTTP
/// request. It is read once, when the first socket is used, so it must be set before anything connects.
/// </summary>
public static class SocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns the switch on unless it is set already (<c>0</c> keeps the runtime's default).</summary>
    public static void PreferInline()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null) Environment.SetEnvironmentVariable(Variable, "1");
    }
}
