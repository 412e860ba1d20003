using BrewClip.Contracts;
using BrewClip.Hosting.Bus;

namespace BrewClip.Transcription.Consumers;

/// <summary>A recording whose message exhausted its retries is marked failed with the last error.</summary>
internal sealed class RecordingIngestedFaultConsumer(RecordingStore store) : FailItemOnFault<RecordingIngested>("transcription")
{
    protected override Task MarkFailedAsync(RecordingIngested message, string reason, CancellationToken cancellationToken)
        => store.MarkFailedAsync(message.RecordingId, reason, cancellationToken);
}
