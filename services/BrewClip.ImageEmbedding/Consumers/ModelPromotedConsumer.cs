using BrewClip.Backfill;
using BrewClip.Hosting;

namespace BrewClip.ImageEmbedding.Consumers;

/// <summary>A promoted version wakes this service's backfill (queue image-embedding-model-promoted).</summary>
internal sealed class ModelPromotedConsumer(WakeUpSignal signal) : WakeBackfillOnPromotion(signal);
