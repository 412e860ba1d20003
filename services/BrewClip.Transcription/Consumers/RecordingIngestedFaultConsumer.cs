using BrewClip.Contracts;
using BrewClip.Hosting.Bus;
using MassTransit;

namespace BrewClip.Transcription.Consumers;

/// <summary>A recording whose message exhausted its retries is marked failed with the last error.</summary>
internal sealed class RecordingIngestedFaultConsumer(RecordingStore store) : IConsumer<Fault<RecordingIngested>>
{
    public async Task Consume(ConsumeContext<Fault<RecordingIngested>> context)
    {
        var reason = FaultReason.Describe(context.Message, "transcription");
        await store.MarkFailedAsync(context.Message.Message.RecordingId, reason, context.CancellationToken).ConfigureAwait(false);
    }
}
