using System.Diagnostics;
using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using BrewClip.Media;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Ingest when things go wrong around it: stopped midway and started again, publishing behind a backlog, the two
/// sides of a listed pair committing at the same moment. Each ends with every file once and nothing lost.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class IngestRecoveryTests() : WatchedFolderTests("ingest")
{
    [Fact]
    public async Task Stopping_midway_and_starting_again_ends_with_every_file_once_and_stale_items_published_again()
    {
        for (var i = 0; i < 24; i++)
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color=c=0x{i * 10:X2}40{255 - i * 10:X2}:s=32x32", "-frames:v", "1", Path.Combine(Inbox, $"colour-{i:D2}.png"));
        }
        var port = ServiceProcess.FreePort();
        var settings = IngestSettings(port);
        await using var recorder = await MessageRecorder.StartAsync(settings);
        settings["BREWCLIP__Ingest__MaxConcurrency"] = "1";

        await using (var first = ServiceProcess.Start("BrewClip.Ingest", settings))
        {
            Assert.True(await first.WaitForReadyAsync(port) is not null, first.ToString());
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media") >= 4, "a few files to be ingested", first);
            first.Terminate();
            Assert.True(await first.WaitForExitAsync(TimeSpan.FromSeconds(30)), first.ToString());
        }
        Assert.InRange(await Db.ScalarAsync<long>("select count(*) from brewclip.media"), 4, 23);

        // Started again with a reconciler that re-publishes whatever waited more than a second.
        settings["BREWCLIP__Ingest__ReconcileAfterSeconds"] = "1";
        settings["BREWCLIP__Ingest__ReconcileIntervalSeconds"] = "1";
        await using var second = ServiceProcess.Start("BrewClip.Ingest", settings);
        Assert.True(await second.WaitForReadyAsync(port) is not null, second.ToString());
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources") == 24, "every file to be ingested", second);

        Assert.Equal(24L, await Db.ScalarAsync<long>("select count(*) from brewclip.media where status = 'accepted'"));
        Assert.Equal(24L, await Db.ScalarAsync<long>("select count(*) from brewclip.images"));
        Assert.Equal(24L, await Db.ScalarAsync<long>("select count(distinct object_key) from brewclip.media_sources"));
        // Nobody consumes the images here, so they stay ingested: every one is published, and again after the timeout.
        var imageIds = await Db.ColumnAsync<long>("select id from brewclip.images order by id");
        await Eventually.UntilAsync(() => Task.FromResult(imageIds.All(id => recorder.Messages.Images.Count(m => m.ImageId == id) >= 2)),
            "every image to be published and re-published", second);
        Assert.Empty(recorder.Messages.Images.Select(m => m.ImageId).Except(imageIds));
    }

    [Fact]
    public async Task The_reconciler_does_not_publish_again_what_waits_behind_a_backlog_and_does_once_the_queue_is_empty()
    {
        for (var i = 0; i < 3; i++)
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color=c=0x{i * 60:X2}8020:s=32x32", "-frames:v", "1", Path.Combine(Made, $"queued-{i}.png"));
        }
        // ImageEmbedding's queue under a prefix of this test's own, with a backlog nobody consumes.
        var prefix = $"reconcile{Guid.NewGuid().ToString("N")[..8]}-";
        var queue = prefix + "image-embedding-image-ingested";
        var endpoint = TestSettings.RabbitMq;
        var factory = new RabbitMQ.Client.ConnectionFactory
        {
            HostName = endpoint.Host, Port = endpoint.Port, VirtualHost = endpoint.VirtualHost, UserName = endpoint.Username, Password = endpoint.Password,
        };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        try
        {
            for (var i = 0; i < 5; i++)
            {
                await channel.BasicPublishAsync("", queue, false, new RabbitMQ.Client.BasicProperties(), new ReadOnlyMemory<byte>("{}"u8.ToArray()));
            }
            await Eventually.UntilAsync(async () => (await channel.QueueDeclarePassiveAsync(queue)).MessageCount == 5, "the backlog");

            var port = ServiceProcess.FreePort();
            var settings = IngestSettings(port);
            settings["BREWCLIP__RabbitMq__QueuePrefix"] = prefix;
            await using var recorder = await MessageRecorder.StartAsync(settings);
            settings["BREWCLIP__Ingest__ReconcileAfterSeconds"] = "1";
            settings["BREWCLIP__Ingest__ReconcileIntervalSeconds"] = "1";
            await using var service = ServiceProcess.Start("BrewClip.Ingest", settings);
            Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
            foreach (var i in Enumerable.Range(0, 3))
            {
                File.Copy(Path.Combine(Made, $"queued-{i}.png"), Path.Combine(Inbox, $"queued-{i}.png"));
            }
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.images") == 3, "the images", service);
            var ids = await Db.ColumnAsync<long>("select id from brewclip.images order by id");
            await Eventually.UntilAsync(() => Task.FromResult(ids.All(id => recorder.Messages.Images.Any(m => m.ImageId == id))), "the first messages", service);

            // Passes of the reconciler that found the images stale (older than 1 s) and the queue with its backlog.
            var heldBack = $"5 messages wait in {queue}; stale images are taken as queued";
            int HeldBack() => service.Stdout.Split('\n').Count(line => line.Contains(heldBack, StringComparison.Ordinal));
            var before = HeldBack();
            await Eventually.UntilAsync(() => Task.FromResult(HeldBack() >= before + 3), "three reconciler passes under the backlog", service);
            Assert.All(ids, id => Assert.Single(recorder.Messages.Images, m => m.ImageId == id));

            // Once nothing waits, an image still at its ingested stage is stuck, and is published again.
            await channel.QueuePurgeAsync(queue);
            await Eventually.UntilAsync(() => Task.FromResult(ids.All(id => recorder.Messages.Images.Count(m => m.ImageId == id) >= 2)), "the images published again", service);
        }
        finally
        {
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        }
    }

    [Fact]
    public async Task The_two_sides_of_a_listed_pair_committing_at_the_same_moment_still_pair()
    {
        var wav = TestMedia.Speak(Made, "talk", "a bird sings in the morning");
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=yellow:s=40x30", "-frames:v", "1", Made + "/photo.png");
        File.WriteAllLines(Path.Combine(Inbox, "pairs.csv"), ["audio,image", "talk.wav,photo.png"]);
        var port = ServiceProcess.FreePort();
        await using var service = ServiceProcess.Start("BrewClip.Ingest", IngestSettings(port));
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.pair_claims") == 1, "the listed claim", service);

        // Held here, both files' commits stop at their pairing step with neither committed: the moment where each
        // could look for the other before it is visible.
        await using (var blocker = await Db.DataSource.OpenConnectionAsync())
        {
            await using var transaction = await blocker.BeginTransactionAsync();
            await using (var lockPairs = new Npgsql.NpgsqlCommand("lock table brewclip.pairs in exclusive mode", blocker, transaction))
            {
                await lockPairs.ExecuteNonQueryAsync();
            }
            File.Copy(wav, Path.Combine(Inbox, "talk.wav"));
            File.Copy(Made + "/photo.png", Path.Combine(Inbox, "photo.png"));
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>(
                $"select count(*) from pg_stat_activity where datname = '{Db.Name}' and wait_event_type = 'Lock' and pid <> {blocker.ProcessID}") >= 2,
                "both commits to wait", service);
            await transaction.CommitAsync();
        }

        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources where object_key in ('talk.wav', 'photo.png')") == 2,
            "both files to be committed", service);
        Assert.Equal(["talk.wav+photo.png:paired"], await Db.ColumnAsync<string>(
            "select audio_key || '+' || image_key || ':' || case when pair_id is null then 'open' else 'paired' end from brewclip.pair_claims"));
        Assert.Equal(1L, await Db.ScalarAsync<long>("select count(*) from brewclip.pairs where origin = 'pairs_csv'"));
    }
}
