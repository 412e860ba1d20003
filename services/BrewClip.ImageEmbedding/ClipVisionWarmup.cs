using BrewClip.Hosting;
using BrewClip.Models;
using BrewClip.Models.Clip;
using BrewClip.Onnx;

namespace BrewClip.ImageEmbedding;

/// <summary>Loads ONNX Runtime and the CLIP vision tower before the bus starts, so a missing model stops the service at start.</summary>
internal sealed class ClipVisionWarmup(IServiceProvider services, ILogger<ClipVisionWarmup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var tower = services.GetRequiredService<ClipVisionTower>();
            logger.LogInformation("CLIP vision tower loaded: {Size}-d embeddings on {Provider}", tower.EmbeddingSize, tower.Provider);
        }
        catch (Exception e) when (e is ModelMissingException or OnnxRuntimeNotFoundException or InvalidDataException or OnnxRuntimeException)
        {
            throw new ServiceStartException(e.Message, e);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
