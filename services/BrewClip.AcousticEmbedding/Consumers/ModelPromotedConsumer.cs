using BrewClip.Backfill;
using BrewClip.Hosting;

namespace BrewClip.AcousticEmbedding.Consumers;

/// <summary>A promoted version wakes this service's backfill (queue acoustic-embedding-model-promoted).</summary>
internal sealed class ModelPromotedConsumer(WakeUpSignal signal) : WakeBackfillOnPromotion(signal);
