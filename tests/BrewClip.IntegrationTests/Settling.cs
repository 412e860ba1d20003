using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Waits on facts, not time, before a test checks that nothing more happened: a flow has settled when every
/// message its processes published has been handled by each of their queues bound to it (the processes'
/// /status/messages), and a source has caught up when a scan that began after a moment found nothing left.
/// </summary>
internal static class Settling
{
    /// <summary>The contracts' names as queue names end with them, longest first ("recording-ingested-fault" before "recording-ingested").</summary>
    private static readonly string[] MessageNames = typeof(RecordingIngested).Assembly.GetExportedTypes()
        .Where(t => t.Namespace == typeof(RecordingIngested).Namespace && t != typeof(ContractsJsonContext) && !t.IsAbstract)
        .SelectMany(t => new[] { MessageCounts.MessageName(t), MessageCounts.MessageName(t) + "-fault" })
        .OrderByDescending(n => n.Length)
        .ToArray();

    /// <summary>
    /// Waits until, for each queue the <paramref name="services"/> consume, the deliveries handled equal the messages of
    /// its kind that the services and <paramref name="publishers"/> published; <paramref name="observers"/> add
    /// in-test consumers (a message name and how many of those they have received). Returns the published counts.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, long>> FlowAsync(string what, IReadOnlyList<ServiceProcess> services,
        IReadOnlyList<MessageCounts>? publishers = null, IReadOnlyList<(string Message, Func<long> Received)>? observers = null)
    {
        IReadOnlyDictionary<string, long> published = new Dictionary<string, long>();
        var behind = new List<string>();
        async Task<bool> SettledAsync()
        {
            var snapshots = new List<(string Who, MessageCountsSnapshot Counts)>();
            foreach (var (service, i) in services.Select((s, i) => (s, i)))
            {
                if (service.HasExited)
                {
                    throw new InvalidOperationException($"waiting for {what}: service {i} exited with {service.ExitCode}\n{service}");
                }
                snapshots.Add(($"service {i}", await service.MessagesAsync()));
            }
            snapshots.AddRange((publishers ?? []).Select((p, i) => ($"publisher {i}", p.Snapshot())));
            var counts = snapshots.SelectMany(s => s.Counts.Published)
                .GroupBy(p => p.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal);
            behind.Clear();
            foreach (var (who, snapshot) in snapshots)
            {
                foreach (var (queue, handled) in snapshot.Queues)
                {
                    if (MessageNames.FirstOrDefault(n => queue.EndsWith("-" + n, StringComparison.Ordinal)) is not { } message)
                    {
                        continue; // not a contract's queue (the bus's own endpoint)
                    }
                    var expected = counts.GetValueOrDefault(message);
                    if (handled.Handled != expected)
                    {
                        behind.Add($"{who} {queue}: handled {handled.Handled} of {expected} published");
                    }
                }
            }
            foreach (var (message, received) in observers ?? [])
            {
                var expected = counts.GetValueOrDefault(message);
                if (received() != expected)
                {
                    behind.Add($"observer of {message}: received {received()} of {expected} published");
                }
            }
            published = counts;
            return behind.Count == 0;
        }
        await Eventually.UntilAsync(SettledAsync, what, services, () => Task.FromResult("not settled: " + string.Join("; ", behind)));
        return published;
    }

    /// <summary>Waits until each source had a scan begin after <paramref name="since"/> that found nothing left to read.</summary>
    public static async Task CaughtUpAsync(TestDatabase db, DateTimeOffset since, IReadOnlyList<string> sources, string what, ServiceProcess ingest)
    {
        var names = string.Join(", ", sources.Select(s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'"));
        await Eventually.UntilAsync(
            async () => await db.ScalarAsync<long>($"select count(*) from brewclip.sources where name in ({names}) and caught_up_at > '{since.UtcDateTime:O}'::timestamptz") == sources.Count,
            what, [ingest],
            async () => $"sources not caught up since {since:O} ({string.Join("; ", await db.ColumnAsync<string>("select name || ': ' || coalesce(caught_up_at::text, 'never') from brewclip.sources order by 1"))})");
    }
}
