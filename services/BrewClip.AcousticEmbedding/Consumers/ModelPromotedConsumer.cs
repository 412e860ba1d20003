using BrewClip.Contracts;
using BrewClip.Storage;
using MassTransit;

namespace BrewClip.AcousticEmbedding.Consumers;

/// <summary>
/// Re-embeds every segment with a promoted model version from the cached features (no Whisper or CLIP
/// run), in order, with progress in brewclip.backfills, then reports completion.
/// </summary>
internal sealed class ModelPromotedConsumer(
    SegmentStore segments,
    RecordingEmbedder embedder,
    ModelVersionStore versions,
    ILogger<ModelPromotedConsumer> logger) : IConsumer<ModelPromoted>
{
    public const string Kind = "audio";
    private const int PageSize = 200;

    public async Task Consume(ConsumeContext<ModelPromoted> context)
    {
        var cancellationToken = context.CancellationToken;
        var version = await versions.FindAsync(context.Message.ModelVersion, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Model version {context.Message.ModelVersion} was promoted but is not in brewclip.model_versions.");
        await versions.CreateVectorIndexesAsync(version.Version, cancellationToken).ConfigureAwait(false);
        var total = await segments.CountFeaturedAsync(cancellationToken).ConfigureAwait(false);
        await versions.StartBackfillAsync(version.Version, Kind, total, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Re-embedding {Total} audio segments with model version {Version}", total, version.Version);

        long done = 0;
        (long Recording, int Segment) after = (0, -1);
        while (true)
        {
            var page = await segments.FeaturedAfterAsync(after.Recording, after.Segment, PageSize, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }
            await embedder.WriteVectorsAsync(version, page, page.ToDictionary(r => (r.RecordingId, r.Index), r => r.TextEmbeds!), cancellationToken).ConfigureAwait(false);
            done += page.Count;
            after = (page[^1].RecordingId, page[^1].Index);
            await versions.ReportBackfillAsync(version.Version, Kind, done, finished: false, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Re-embedded {Done}/{Total} audio segments with model version {Version}", done, total, version.Version);
        }
        await versions.ReportBackfillAsync(version.Version, Kind, done, finished: true, cancellationToken).ConfigureAwait(false);
        await context.Publish(new ModelBackfillCompleted(version.Version, Kind, done), cancellationToken).ConfigureAwait(false);
    }
}
