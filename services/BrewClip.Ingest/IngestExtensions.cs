using BrewClip.Hosting.Options;
using BrewClip.Ingest.Storage;
using BrewClip.Media;
using Microsoft.Extensions.Options;

namespace BrewClip.Ingest;

public static class IngestExtensions
{
    /// <summary>Everything the Ingest service uses besides the shared host defaults.</summary>
    public static void AddIngestServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<IngestOptions>(builder.Configuration, IngestOptions.Section);
        services.AddValidatedOptions<ImageLimitOptions>(builder.Configuration, ImageLimitOptions.Section);
        services.AddArtifactStore(builder.Configuration);
        services.AddSingleton(new ToolRunner(new MediaToolOptions()));
        services.AddSingleton(sp => new FrameExporter(sp.GetRequiredService<ToolRunner>(),
            pngMaxSide: sp.GetRequiredService<IOptions<IngestOptions>>().Value.StoredImageMaxSide));
        services.AddSingleton<MediaProbe>();
        services.AddSingleton<IngestScratch>();
        services.AddSingleton<SourceStore>();
        services.AddSingleton<MediaStore>();
        services.AddSingleton<SidecarStore>();
        services.AddSingleton<PairStore>();
        services.AddSingleton<SkippedStore>();
        services.AddSingleton<StaleItemStore>();
        services.AddSingleton<CropStore>();
        services.AddSingleton<SourceLeases>();
        services.AddSingleton<QueueBacklog>();
        services.AddSingleton<MediaDecoder>();
        services.AddSingleton<MediaIngestor>();
        services.AddHostedService<FolderWatcher>();
        services.AddHostedService<S3Watcher>();
        services.AddHostedService<Reconciler>();
        services.AddHostedService<CropReleaser>();
    }
}
