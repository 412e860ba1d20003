using BrewClip.Contracts;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// A test class with a temporary folder of its own (an inbox for Ingest to watch, and a folder to make files
/// in before they are dropped) and a test database of its own.
/// </summary>
public abstract class WatchedFolderTests(string name) : IAsyncLifetime
{
    protected string Work { get; } = Directory.CreateTempSubdirectory($"brewclip-{name}-").FullName;

    protected TestDatabase Db { get; private set; } = null!;

    protected string Inbox => Path.Combine(Work, "inbox");

    protected string Made => Path.Combine(Work, "made");

    public virtual async Task InitializeAsync()
    {
        Db = await TestDatabase.CreateAsync();
        Directory.CreateDirectory(Inbox);
        Directory.CreateDirectory(Made);
    }

    public virtual async Task DisposeAsync()
    {
        await Db.DisposeAsync();
        Directory.Delete(Work, recursive: true);
    }

    /// <summary>A service's settings with Ingest watching the inbox as source "inbox" and artifacts under the work folder.</summary>
    protected Dictionary<string, string> IngestSettings(int port)
    {
        var settings = StackSettings.For(Db, port);
        settings["BREWCLIP__Artifacts__Root"] = Path.Combine(Work, "artifacts");
        settings["BREWCLIP__Ingest__Folders__0__Name"] = "inbox";
        settings["BREWCLIP__Ingest__Folders__0__Path"] = Inbox;
        settings["BREWCLIP__Ingest__StableForMs"] = "1000";
        settings["BREWCLIP__Ingest__RescanIntervalMs"] = "1000";
        return settings;
    }

    protected static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>How many of the recordings the messages name have a sidecar transcript.</summary>
    protected Task<long> SidecarTranscriptsOfAsync(IEnumerable<RecordingIngested> messages)
        => Db.ScalarAsync<long>($"select count(distinct recording_id) from brewclip.sidecar_transcripts where recording_id in ({string.Join(",", messages.Select(m => m.RecordingId))})");
}
