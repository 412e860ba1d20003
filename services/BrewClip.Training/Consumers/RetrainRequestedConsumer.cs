using BrewClip.Contracts;
using BrewClip.Training.Runs;
using MassTransit;
using Npgsql;

namespace BrewClip.Training.Consumers;

/// <summary>Queues a training run for a RetrainRequested event (or joins the queued one).</summary>
internal sealed class RetrainRequestedConsumer(TrainingRunStore runs, ILogger<RetrainRequestedConsumer> logger) : IConsumer<RetrainRequested>
{
    public async Task Consume(ConsumeContext<RetrainRequested> context)
    {
        var request = context.Message;
        try
        {
            var id = await runs.RequestAsync(request, "event", context.CancellationToken).ConfigureAwait(false);
            logger.LogInformation("Retrain request {RequestId} from {RequestedBy}: run {Run} queued", request.RequestId, request.RequestedBy, id);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidParameterValue)
        {
            // A bad option in the request: retrying cannot help, so it is dropped with the reason.
            logger.LogWarning("Retrain request {RequestId} from {RequestedBy} refused: {Reason}", request.RequestId, request.RequestedBy, e.MessageText);
        }
    }
}
