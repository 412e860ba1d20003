using BrewClip.Contracts;
using BrewClip.Training.ModelVersions;
using MassTransit;

namespace BrewClip.Training.Consumers;

/// <summary>Registers heads trained elsewhere as a candidate and promotes it (brewclip models promote).</summary>
internal sealed class PromoteModelConsumer(ModelVersionRegistry registry, ModelPromotion promotion) : IConsumer<PromoteModel>
{
    public async Task Consume(ConsumeContext<PromoteModel> context)
    {
        int version;
        try
        {
            version = await registry.RegisterAsync(context.Message.HeadsUri, context.Message.Description, context.CancellationToken).ConfigureAwait(false);
        }
        catch (ModelRequestRefusedException e)
        {
            await context.RespondAsync(new ModelRequestRefused(e.Message)).ConfigureAwait(false);
            return;
        }
        try
        {
            await promotion.PromoteAsync(version, context.CancellationToken).ConfigureAwait(false);
            await context.RespondAsync(new ModelRequestAccepted(version, "registered and promoted: backfilling")).ConfigureAwait(false);
        }
        catch (ModelRequestRefusedException e)
        {
            await context.RespondAsync(new ModelRequestAccepted(version, $"registered as a candidate, not promoted: {e.Message}")).ConfigureAwait(false);
        }
    }
}
