using BrewClip.Contracts;
using MassTransit;

namespace BrewClip.Transcription.Consumers;

/// <summary>Transcribes a newly ingested recording and tells AcousticEmbedding it is ready.</summary>
internal sealed class RecordingIngestedConsumer(RecordingTranscriber transcriber) : IConsumer<RecordingIngested>
{
    public async Task Consume(ConsumeContext<RecordingIngested> context)
    {
        if (await transcriber.TranscribeAsync(context.Message.RecordingId, context.CancellationToken).ConfigureAwait(false))
        {
            await context.Publish(new RecordingTranscribed(context.Message.RecordingId), context.CancellationToken).ConfigureAwait(false);
        }
    }
}
