using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using MassTransit;

namespace BrewClip.AcousticEmbedding.Consumers;

/// <summary>A recording whose message exhausted its retries is marked failed with the last error.</summary>
internal sealed class RecordingTranscribedFaultConsumer(SegmentStore segments) : IConsumer<Fault<RecordingTranscribed>>
{
    public async Task Consume(ConsumeContext<Fault<RecordingTranscribed>> context)
    {
        var reason = FaultReason.Describe(context.Message, "audio embedding");
        await segments.MarkFailedAsync(context.Message.Message.RecordingId, reason, context.CancellationToken).ConfigureAwait(false);
    }
}
