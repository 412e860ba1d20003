using BrewClip.Contracts;
using MassTransit;

namespace BrewClip.AcousticEmbedding.Consumers;

/// <summary>A recording whose message exhausted its retries is marked failed with the last error.</summary>
internal sealed class RecordingTranscribedFaultConsumer(SegmentStore segments) : IConsumer<Fault<RecordingTranscribed>>
{
    public async Task Consume(ConsumeContext<Fault<RecordingTranscribed>> context)
    {
        var error = context.Message.Exceptions.FirstOrDefault();
        var reason = error is null ? "embedding failed" : $"audio embedding failed after retries: {error.ExceptionType}: {error.Message}";
        await segments.MarkFailedAsync(context.Message.Message.RecordingId, reason, context.CancellationToken).ConfigureAwait(false);
    }
}
