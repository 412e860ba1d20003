using BrewClip.Hosting.Options;
using BrewClip.Media;
using BrewClip.Storage;
using Microsoft.Extensions.Options;

namespace BrewClip.Ingest;

public static class IngestExtensions
{
    /// <summary>Everything the Ingest service uses besides the shared host defaults.</summary>
    public static void AddIngestServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<IngestOptions>(builder.Configuration, IngestOptions.Section);
        services.AddValidatedOptions<ArtifactOptions>(builder.Configuration, ArtifactOptions.Section);
        services.AddSingleton(sp => FileSystemArtifactStore.FromEnvironment(NullIfEmpty(sp.GetRequiredService<IOptions<ArtifactOptions>>().Value.Root)));
        services.AddSingleton(new ToolRunner(new MediaToolOptions()));
        services.AddSingleton<MediaProbe>();
        services.AddSingleton<IngestStore>();
        services.AddSingleton<MediaIngestor>();
        services.AddHostedService<FolderWatcher>();
        services.AddHostedService<S3Watcher>();
        services.AddHostedService<Reconciler>();
    }

    private static string? NullIfEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
