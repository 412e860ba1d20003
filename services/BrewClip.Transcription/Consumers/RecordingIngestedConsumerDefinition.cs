using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.Transcription.Consumers;

/// <summary>
/// At most Transcription:ConcurrencyLimit recordings at once: each already uses every core. The broker delivers no
/// more than that ahead of acknowledgement either, so no recording waits unacknowledged behind a long one (a wait the
/// broker's consumer timeout would end by delivering it again while it is still to be handled).
/// </summary>
internal sealed class RecordingIngestedConsumerDefinition : ConsumerDefinition<RecordingIngestedConsumer>
{
    public RecordingIngestedConsumerDefinition(IOptions<TranscriptionOptions> options)
    {
        var limit = options.Value.ConcurrencyLimit;
        ConcurrentMessageLimit = limit;
        Endpoint(e => e.PrefetchCount = limit);
    }
}
