using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Two Ingest instances watching one folder against one database and broker: one reads it at a time (its lease, a
/// Postgres advisory lock), every file is recorded and published once, and when the reader is killed the other takes
/// over and reads what arrives next.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class IngestReplicaTests() : WatchedFolderTests("replicas")
{
    [Fact]
    public async Task Two_instances_read_each_file_once_and_the_survivor_takes_over_after_a_kill()
    {
        var images = Enumerable.Range(0, 18).Select(i =>
        {
            var path = Path.Combine(Made, $"colour-{i:D2}.png");
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color=0x{i * 13:X2}{255 - i * 11:X2}{i * 7:X2}:s=32x24", "-frames:v", "1", path);
            return path;
        }).ToList();

        var (portA, portB) = (ServiceProcess.FreePort(), ServiceProcess.FreePort());
        Dictionary<string, string> Settings(int port)
        {
            var settings = IngestSettings(port);
            settings["BREWCLIP__Ingest__LeaseCheckIntervalMs"] = "300";
            return settings;
        }
        await using var first = await MessageRecorder.StartAsync(Settings(portA));
        var a = ServiceProcess.Start("BrewClip.Ingest", Settings(portA));
        var b = ServiceProcess.Start("BrewClip.Ingest", Settings(portB));
        try
        {
            Assert.True(await a.WaitForReadyAsync(portA) is not null, a.ToString());
            Assert.True(await b.WaitForReadyAsync(portB) is not null, b.ToString());

            foreach (var image in images[..12])
            {
                File.Copy(image, Path.Combine(Inbox, Path.GetFileName(image)));
            }
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media") == 12, "12 files to be read", a, b);
            await Settling.FlowAsync("both instances' messages to arrive", [a, b], observers: first.Observers);

            // One instance read the folder; the other waited for it.
            var (reader, waiter) = a.Stdout.Contains("Watching ", StringComparison.Ordinal) ? (a, b) : (b, a);
            Assert.Contains("Watching ", reader.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("Watching ", waiter.Stdout, StringComparison.Ordinal);
            Assert.Contains("is read by another Ingest instance", waiter.Stdout, StringComparison.Ordinal);
            Assert.Equal(12, first.Messages.Images.Count);
            Assert.Equal(12, first.Messages.Images.Select(m => m.ImageId).Distinct().Count());
            Assert.Equal(12L, await Db.ScalarAsync<long>("select count(*) from brewclip.images"));
            Assert.Equal(12L, await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources"));

            // kill -9 of the reader: its connection closes, Postgres releases the lock, and the other one takes over.
            var before = first.Messages.Images.Select(m => m.ImageId).ToHashSet();
            await reader.KillAsync();
            await using var second = await MessageRecorder.StartAsync(Settings(portA));
            var dropped = DateTimeOffset.UtcNow;
            foreach (var image in images[12..])
            {
                File.Copy(image, Path.Combine(Inbox, Path.GetFileName(image)));
            }
            await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media") == 18, "the survivor to read the 6 new files", waiter);
            await Settling.CaughtUpAsync(Db, dropped, ["inbox"], "the survivor to catch up", waiter);
            await Settling.FlowAsync("the survivor's messages to arrive", [waiter], observers: second.Observers);

            Assert.Contains("now reads source inbox", waiter.Stdout, StringComparison.Ordinal);
            // The survivor read only the new files: each recorded and published once.
            Assert.Equal(6, second.Messages.Images.Count);
            Assert.Equal(6, second.Messages.Images.Select(m => m.ImageId).Distinct().Count());
            Assert.Empty(second.Messages.Images.Select(m => m.ImageId).Intersect(before));
            Assert.Equal(18L, await Db.ScalarAsync<long>("select count(*) from brewclip.images"));
            Assert.Equal(18L, await Db.ScalarAsync<long>("select count(distinct object_key) from brewclip.media_sources"));
            Assert.Equal(18L, await Db.ScalarAsync<long>("select count(*) from brewclip.media_sources"));
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }
}
