using BrewClip.Hosting;
using BrewClip.Models;
using BrewClip.Models.Clip;
using BrewClip.Onnx;

namespace BrewClip.AcousticEmbedding;

/// <summary>Loads ONNX Runtime and CLIP's text tower before the bus starts, so a missing model stops the service at start.</summary>
internal sealed class ClipTextWarmup(IServiceProvider services, ILogger<ClipTextWarmup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var tower = services.GetRequiredService<ClipTextTower>();
            logger.LogInformation("CLIP text tower loaded: {Size}-d embeddings", tower.EmbeddingSize);
        }
        catch (Exception e) when (e is ModelMissingException or OnnxRuntimeNotFoundException or InvalidDataException or OnnxRuntimeException)
        {
            throw new ServiceStartException(e.Message, e);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
