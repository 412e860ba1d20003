using BrewClip.Models.Heads;
using BrewClip.Models.Training;
using BrewClip.Storage.Artifacts;

namespace BrewClip.Training.Data;

/// <summary>
/// Reads a segment's cached features through the artifact store: the filesystem store's own files, or downloads
/// deleted as soon as they are read (a <see cref="CachingSegmentReader"/> in front keeps what fits in memory). The
/// trainer reads synchronously on the training worker's thread, so the fetch is waited for there.
/// </summary>
internal sealed class StoreSegmentReader(IArtifactStore artifacts) : ISegmentReader
{
    public AudioHeadInput Read(SegmentFeatures segment)
    {
        using var tokens = artifacts.FetchAsync(segment.TokenStatesPath).GetAwaiter().GetResult();
        using var encoder = artifacts.FetchAsync(segment.EncoderStatesPath).GetAwaiter().GetResult();
        return CachedFeatures.ReadSegment(tokens.Path, encoder.Path, segment.TextEmbeds);
    }
}
