using System.Diagnostics;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>What Ingest leaves behind after a crash, and what it refuses to decode.</summary>
public sealed class IngestHousekeepingTests() : WatchedFolderTests("ingest-housekeeping")
{
    [Fact]
    public async Task A_killed_ingests_temporary_files_are_removed_when_ingest_starts_again()
    {
        // TMPDIR of its own, so only this test's folders are looked at.
        var temp = Directory.CreateDirectory(Path.Combine(Work, "tmp")).FullName;
        var port = ServiceProcess.FreePort();
        var settings = IngestSettings(port);
        settings["TMPDIR"] = temp;
        await using (var first = ServiceProcess.Start("BrewClip.Ingest", settings))
        {
            Assert.True(await first.WaitForReadyAsync(port) is not null, first.ToString());
            // What a killed process leaves: its folder, with a link to a file it was reading.
            var folder = Path.Combine(temp, "brewclip-ingest", first.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(Directory.Exists(folder), $"{folder} was not made");
            File.CreateSymbolicLink(Path.Combine(folder, "left-behind"), Path.Combine(Made, "gone.wav"));
            await first.KillAsync();
        }

        var second = ServiceProcess.Start("BrewClip.Ingest", settings);
        await using (second)
        {
            Assert.True(await second.WaitForReadyAsync(port) is not null, second.ToString());
            Assert.Equal([second.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                Directory.GetFileSystemEntries(Path.Combine(temp, "brewclip-ingest")).Select(Path.GetFileName));
            Assert.Contains("left behind by an Ingest process that no longer runs", second.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_image_over_the_pixel_limit_is_rejected_from_the_probe_with_the_numbers()
    {
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=c=green:s=200x120", "-frames:v", "1", Path.Combine(Made, "big.png"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=c=green:s=100x60", "-frames:v", "1", Path.Combine(Made, "small.png"));
        var port = ServiceProcess.FreePort();
        var settings = IngestSettings(port);
        settings["BREWCLIP__Ingest__MaxImagePixels"] = "10000";
        await using var service = ServiceProcess.Start("BrewClip.Ingest", settings);
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
        File.Copy(Path.Combine(Made, "big.png"), Path.Combine(Inbox, "big.png"));
        File.Copy(Path.Combine(Made, "small.png"), Path.Combine(Inbox, "small.png"));

        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.media") >= 2, "both files to be read", service);
        Assert.Equal(["image:accepted:", "image:rejected:the image is 200x120 = 24,000 pixels, over the limit of 10,000 (Ingest:MaxImagePixels)"],
            await Db.ColumnAsync<string>("select kind || ':' || status || ':' || coalesce(rejection_reason, '') from brewclip.media order by status"));
        Assert.Equal(0L, await Db.ScalarAsync<long>("select count(*) from brewclip.images i join brewclip.media m on m.id = i.media_id where m.status = 'rejected'"));
    }
}
