using BrewClip.Hosting;
using BrewClip.Models;
using BrewClip.Models.Whisper;
using BrewClip.Onnx;

namespace BrewClip.Transcription;

/// <summary>Loads ONNX Runtime and Whisper before the bus starts, so a missing model stops the service at start.</summary>
internal sealed class WhisperWarmup(IServiceProvider services, ILogger<WhisperWarmup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var whisper = services.GetRequiredService<WhisperModel>();
            logger.LogInformation("Whisper loaded: {Bins} mel bins, {Width}-wide encoder states", whisper.MelBins, whisper.Width);
        }
        catch (Exception e) when (e is ModelMissingException or OnnxRuntimeNotFoundException or InvalidDataException or OnnxRuntimeException)
        {
            throw new ServiceStartException(e.Message, e);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
