using System.Diagnostics;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// A small index the real services build (Ingest -> Transcription -> AcousticEmbedding / ImageEmbedding, fixture
/// models) to search: three spoken sentences with sidecar transcripts, one without, three still images and a
/// two-second video with sound. The services keep running for the test (one queue prefix of its own). Ingest
/// publishes on the shared test broker, so the tests deriving from this run in <see cref="BrokerObservers"/>.
/// </summary>
public abstract class IndexedFolderTests(string name) : WatchedFolderTests(name)
{
    protected static readonly Dictionary<string, string> Said = new()
    {
        ["dog"] = "a brown dog runs on the beach",
        ["train"] = "the red train leaves the station at noon",
        ["cats"] = "two cats sleep on a warm windowsill",
    };

    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..8] + "-";

    /// <summary>The queue and exchange prefix of this deployment.</summary>
    protected string Prefix => _prefix;

    private protected List<ServiceProcess> Services { get; } = [];

    protected string Models => Path.Combine(Work, "models");

    /// <summary>The settings every program of this deployment gets.</summary>
    protected Dictionary<string, string> Settings(int port, Dictionary<string, string>? extra = null)
    {
        var settings = IngestSettings(port);
        settings["BREWCLIP__RabbitMq__QueuePrefix"] = _prefix;
        settings["BREWCLIP__Models__Root"] = Models;
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>Starts a service of this deployment and waits until it is ready; returns it and its URL.</summary>
    private protected async Task<(ServiceProcess Service, int Port)> StartAsync(string project, Dictionary<string, string>? extra = null)
    {
        var port = ServiceProcess.FreePort();
        var service = ServiceProcess.Start(project, Settings(port, extra));
        Services.Add(service);
        Assert.True(await service.WaitForReadyAsync(port) is not null, service.ToString());
        return (service, port);
    }

    /// <summary>The fixture models, linked into this deployment's model store.</summary>
    protected void LinkFixtureModels()
    {
        Directory.CreateDirectory(Models);
        foreach (var model in new[] { "clip-vit-base-patch32", "whisper-base" })
        {
            Directory.CreateSymbolicLink(Path.Combine(Models, model), Path.Combine(TestSettings.RepositoryRoot, "tests", "fixtures", "models", model));
        }
    }

    /// <summary>Makes the media (in Made), starts the four indexing services, drops the media in and waits until all of it is embedded.</summary>
    protected async Task IndexAsync()
    {
        LinkFixtureModels();
        foreach (var (stem, sentence) in Said)
        {
            TestMedia.Speak(Made, stem, sentence);
            File.WriteAllText(Path.Combine(Made, stem + ".txt"), sentence + "\n");
        }
        TestMedia.Speak(Made, "whisper", "nobody wrote down what this one says");
        foreach (var (stem, source) in new[] { ("red", "color=c=red:s=64x48"), ("pattern", "testsrc=s=64x48"), ("bars", "smptebars=s=64x48") })
        {
            TestMedia.Ffmpeg("-f", "lavfi", "-i", source, "-frames:v", "1", Path.Combine(Made, stem + ".png"));
        }
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x48:d=2", "-f", "lavfi", "-i", "sine=d=2", "-shortest", "-pix_fmt", "yuv420p", Path.Combine(Made, "clip.mp4"));
        foreach (var project in new[] { "BrewClip.Ingest", "BrewClip.Transcription", "BrewClip.AcousticEmbedding", "BrewClip.ImageEmbedding" })
        {
            await StartAsync(project);
        }
        foreach (var file in Said.Keys.SelectMany(n => new[] { n + ".txt", n + ".wav" }).Concat(["whisper.wav", "red.png", "pattern.png", "bars.png", "clip.mp4"]))
        {
            File.Copy(Path.Combine(Made, file), Path.Combine(Inbox, file));
        }
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage = 'embedded'") == 5
            && await Db.ScalarAsync<long>("select count(*) from brewclip.images where stage = 'embedded'") == 7, "the folder to be indexed", Services);
    }

    public override async Task DisposeAsync()
    {
        foreach (var service in Services)
        {
            await service.DisposeAsync();
        }
        await base.DisposeAsync();
    }
}
