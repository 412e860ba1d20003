using BrewClip.Contracts;
using MassTransit;

namespace BrewClip.Transcription.Consumers;

/// <summary>A recording whose message exhausted its retries is marked failed with the last error.</summary>
internal sealed class RecordingIngestedFaultConsumer(RecordingStore store) : IConsumer<Fault<RecordingIngested>>
{
    public async Task Consume(ConsumeContext<Fault<RecordingIngested>> context)
    {
        var error = context.Message.Exceptions.FirstOrDefault();
        var reason = error is null ? "transcription failed" : $"transcription failed after retries: {error.ExceptionType}: {error.Message}";
        await store.MarkFailedAsync(context.Message.Message.RecordingId, reason, context.CancellationToken).ConfigureAwait(false);
    }
}
