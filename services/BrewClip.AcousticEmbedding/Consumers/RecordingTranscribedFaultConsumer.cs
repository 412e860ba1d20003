using BrewClip.Contracts;
using BrewClip.Hosting.Bus;

namespace BrewClip.AcousticEmbedding.Consumers;

/// <summary>A recording whose message exhausted its retries is marked failed with the last error.</summary>
internal sealed class RecordingTranscribedFaultConsumer(SegmentStore segments) : FailItemOnFault<RecordingTranscribed>("audio embedding")
{
    protected override Task MarkFailedAsync(RecordingTranscribed message, string reason, CancellationToken cancellationToken)
        => segments.MarkFailedAsync(message.RecordingId, reason, cancellationToken);
}
