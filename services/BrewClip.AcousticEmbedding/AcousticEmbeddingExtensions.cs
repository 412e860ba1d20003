using BrewClip.AcousticEmbedding.Consumers;
using BrewClip.Backfill;
using BrewClip.Hosting;
using BrewClip.Hosting.Options;
using BrewClip.Models;
using BrewClip.Models.Clip;
using BrewClip.Onnx;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.AcousticEmbedding;

public static class AcousticEmbeddingExtensions
{
    public static void AddAcousticEmbeddingServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<ModelOptions>(builder.Configuration, ModelOptions.Section);
        services.AddArtifactStore(builder.Configuration);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ModelOptions>>().Value.Environment());
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ModelOptions>>().Value;
            var files = options.Store().ClipText();
            return new ClipTextTower(sp.GetRequiredService<OnnxEnvironment>(), files.TextModel, ClipTokenizer.FromFiles(files.Vocabulary, files.Merges),
                options.SessionOptions(), sp.GetRequiredService<ILogger<ClipTextTower>>());
        });
        services.AddSingleton(sp =>
        {
            var choice = sp.GetRequiredService<IOptions<ModelOptions>>().Value.Choice();
            return new ServedModels(choice.Clip.Name, choice.Whisper.Name);
        });
        services.AddSingleton<SegmentStore>();
        services.AddSingleton<TextFeatures>();
        services.AddSingleton<VectorIndexWriter>();
        services.AddSingleton<AudioHeads>();
        services.AddSingleton<RecordingEmbedder>();
        services.AddBackfill<AudioBackfillSource>(builder.Configuration, defaultBatchSize: 16);
        // Loaded before the bus starts, so a missing model stops the service at start.
        services.AddStartupCheck(sp => $"CLIP text tower loaded: {sp.GetRequiredService<ClipTextTower>().EmbeddingSize}-d embeddings", ModelLoadFailure.Is);
    }

    public static void AddAcousticEmbeddingConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RecordingTranscribedConsumer>();
        bus.AddConsumer<RecordingTranscribedFaultConsumer>();
        bus.AddConsumer<ModelPromotedConsumer>();
    }
}
