using System.Diagnostics;
using Npgsql;

namespace BrewClip.Testing;

/// <summary>
/// The one way a test waits for something to become true: poll a condition, fail at once when a service it relies on
/// exits on its own, and fail with what was awaited (and the services' output) when patience runs out. How long is
/// chosen here, not per test: a condition that is late on a loaded machine is late everywhere.
/// </summary>
public static class Eventually
{
    /// <summary>
    /// How long a test waits for one thing (a file indexed, a run finished, a promotion activated): 4 minutes, the
    /// longest any step needed on a loaded 2-core machine with room to spare. BREWCLIP_TEST_PATIENCE_SECONDS overrides it.
    /// </summary>
    public static TimeSpan Patience { get; } = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("BREWCLIP_TEST_PATIENCE_SECONDS"), out var seconds) && seconds > 0 ? seconds : 240);

    /// <summary>For a whole flow of hundreds of files through every service, with faults on the way: 2.5 patiences.</summary>
    public static TimeSpan FlowPatience => Patience * 2.5;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    /// <summary>Waits until <paramref name="condition"/> holds, watching <paramref name="services"/>.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, params ServiceProcess[] services)
        => UntilAsync(condition, what, services, state: null);

    /// <summary>Waits until <paramref name="condition"/> holds, watching <paramref name="services"/>.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, IReadOnlyCollection<ServiceProcess> services)
        => UntilAsync(condition, what, services, state: null);

    /// <summary>
    /// Waits until <paramref name="condition"/> holds. A service in <paramref name="services"/> that exits without the test
    /// stopping it fails the wait at once; on timeout the message says <paramref name="what"/> was awaited, and
    /// <paramref name="state"/> (when given) what the system looked like then. With <paramref name="retryDatabaseErrors"/>
    /// a condition that fails because Postgres is restarting counts as not yet.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, IReadOnlyCollection<ServiceProcess> services,
        Func<Task<string>>? state, bool retryDatabaseErrors = false, TimeSpan? patience = null, TimeSpan? poll = null)
    {
        var limit = patience ?? Patience;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (NpgsqlException) when (retryDatabaseErrors)
            {
                // Postgres is coming back: ask again.
            }
            if (services.Where(s => s.HasExited && !s.Stopped).ToList() is { Count: > 0 } exited)
            {
                throw new InvalidOperationException($"a service exited while waiting for {what}.\n{string.Join('\n', exited)}");
            }
            if (clock.Elapsed > limit)
            {
                var now = state is null ? "" : ": " + await state();
                throw new TimeoutException($"timed out after {limit.TotalSeconds:F0} s waiting for {what}{now}.\n{string.Join('\n', services.Where(s => !s.Stopped))}");
            }
            await Task.Delay(poll ?? Poll);
        }
    }

    /// <summary>
    /// Waits until <paramref name="probe"/> finds something, and returns it. It looks every 20 ms, so it can catch what
    /// lives briefly (a child process, a log line before the next).
    /// </summary>
    public static async Task<T> ForAsync<T>(Func<T?> probe, string what, params ServiceProcess[] services) where T : class
    {
        T? found = null;
        await UntilAsync(() => Task.FromResult((found = probe()) is not null), what, services, state: null, poll: TimeSpan.FromMilliseconds(20));
        return found!;
    }
}
