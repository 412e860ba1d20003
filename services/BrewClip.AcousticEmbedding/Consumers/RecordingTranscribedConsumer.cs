using BrewClip.Contracts;
using MassTransit;

namespace BrewClip.AcousticEmbedding.Consumers;

/// <summary>Makes the audio vectors of a transcribed recording.</summary>
internal sealed class RecordingTranscribedConsumer(RecordingEmbedder embedder) : IConsumer<RecordingTranscribed>
{
    public Task Consume(ConsumeContext<RecordingTranscribed> context)
        => embedder.EmbedAsync(context.Message.RecordingId, context.CancellationToken);
}
