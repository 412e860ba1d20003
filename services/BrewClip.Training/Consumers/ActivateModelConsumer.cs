using BrewClip.Contracts;
using BrewClip.Training.ModelVersions;
using MassTransit;

namespace BrewClip.Training.Consumers;

/// <summary>A rollback: a retained version is made active at once (brewclip models activate).</summary>
internal sealed class ActivateModelConsumer(ModelVersionRegistry registry, IBus bus) : IConsumer<ActivateModel>
{
    public async Task Consume(ConsumeContext<ActivateModel> context)
    {
        var version = context.Message.ModelVersion;
        int previous;
        try
        {
            previous = await registry.RollBackToAsync(version, context.CancellationToken).ConfigureAwait(false);
        }
        catch (ModelRequestRefusedException e)
        {
            await context.RespondAsync(new ModelRequestRefused(e.Message)).ConfigureAwait(false);
            return;
        }
        await bus.Publish(new ModelActivated(version, previous), context.CancellationToken).ConfigureAwait(false);
        await context.RespondAsync(new ModelRequestAccepted(version, $"active (version {previous} retired)")).ConfigureAwait(false);
    }
}
