using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.ImageEmbedding.Consumers;

/// <summary>Batches ImageIngested messages up to ImageEmbedding:BatchSize or ImageEmbedding:BatchWaitMs, one batch at a time.</summary>
internal sealed class ImageIngestedConsumerDefinition : ConsumerDefinition<ImageIngestedConsumer>
{
    private readonly ImageEmbeddingOptions _options;

    public ImageIngestedConsumerDefinition(IOptions<ImageEmbeddingOptions> options)
    {
        _options = options.Value;
        Endpoint(e => e.PrefetchCount = Math.Max(16, _options.BatchSize * 2));
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ImageIngestedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        consumerConfigurator.Options<BatchOptions>(batch => batch
            .SetMessageLimit(_options.BatchSize)
            .SetTimeLimit(TimeSpan.FromMilliseconds(_options.BatchWaitMs))
            .SetConcurrencyLimit(1));
    }
}
