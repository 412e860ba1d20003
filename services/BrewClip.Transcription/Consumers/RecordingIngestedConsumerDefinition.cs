using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.Transcription.Consumers;

/// <summary>At most Transcription:ConcurrencyLimit recordings at once: each already uses every core.</summary>
internal sealed class RecordingIngestedConsumerDefinition : ConsumerDefinition<RecordingIngestedConsumer>
{
    public RecordingIngestedConsumerDefinition(IOptions<TranscriptionOptions> options)
    {
        ConcurrentMessageLimit = options.Value.ConcurrencyLimit;
    }
}
