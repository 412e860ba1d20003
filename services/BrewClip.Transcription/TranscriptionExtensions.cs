using BrewClip.Hosting;
using BrewClip.Hosting.Options;
using BrewClip.Models;
using BrewClip.Models.Whisper;
using BrewClip.Onnx;
using BrewClip.Transcription.Consumers;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.Transcription;

public static class TranscriptionExtensions
{
    public static void AddTranscriptionServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<TranscriptionOptions>(builder.Configuration, TranscriptionOptions.Section);
        services.AddValidatedOptions<ModelOptions>(builder.Configuration, ModelOptions.Section);
        services.AddArtifactStore(builder.Configuration);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ModelOptions>>().Value.Environment());
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ModelOptions>>().Value;
            var folder = options.Store().Whisper();
            return new WhisperModel(sp.GetRequiredService<OnnxEnvironment>(), folder, options.SessionOptions(), sp.GetRequiredService<ILogger<WhisperModel>>());
        });
        services.AddSingleton(sp => new WhisperLogMel(sp.GetRequiredService<WhisperModel>().MelBins));
        services.AddSingleton<RecordingStore>();
        services.AddSingleton<RecordingTranscriber>();
        // Loaded before the bus starts, so a missing model stops the service at start.
        services.AddStartupCheck(sp =>
        {
            var whisper = sp.GetRequiredService<WhisperModel>();
            return $"Whisper loaded: {whisper.MelBins} mel bins, {whisper.Width}-wide encoder states";
        }, ModelLoadFailure.Is);
    }

    public static void AddTranscriptionConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RecordingIngestedConsumer, RecordingIngestedConsumerDefinition>();
        bus.AddConsumer<RecordingIngestedFaultConsumer>();
    }
}
