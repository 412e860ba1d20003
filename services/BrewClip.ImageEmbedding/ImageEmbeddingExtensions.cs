using BrewClip.Backfill;
using BrewClip.Hosting;
using BrewClip.Hosting.Options;
using BrewClip.ImageEmbedding.Consumers;
using BrewClip.Media;
using BrewClip.Models;
using BrewClip.Models.Clip;
using BrewClip.Onnx;
using BrewClip.Storage.ModelVersions;
using BrewClip.Storage.Vectors;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.ImageEmbedding;

public static class ImageEmbeddingExtensions
{
    /// <summary>Everything the ImageEmbedding service uses besides the shared host defaults.</summary>
    public static void AddImageEmbeddingServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<ImageEmbeddingOptions>(builder.Configuration, ImageEmbeddingOptions.Section);
        services.AddValidatedOptions<ModelOptions>(builder.Configuration, ModelOptions.Section);
        services.AddArtifactStore(builder.Configuration);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ModelOptions>>().Value.Environment());
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ModelOptions>>().Value;
            return new ClipVisionTower(sp.GetRequiredService<OnnxEnvironment>(), options.Store().ClipVision(), options.SessionOptions(),
                sp.GetRequiredService<ILogger<ClipVisionTower>>());
        });
        services.AddSingleton(new ToolRunner(new MediaToolOptions()));
        services.AddSingleton(sp => new ClipImagePreprocessor(new CenterCropDecoder(sp.GetRequiredService<ToolRunner>())));
        services.AddSingleton(sp =>
        {
            var choice = sp.GetRequiredService<IOptions<ModelOptions>>().Value.Choice();
            return new ServedModels(choice.Clip.Name, choice.Whisper.Name);
        });
        services.AddSingleton<ImageFeatures>();
        services.AddSingleton<ImageHeads>();
        services.AddSingleton<ImageStore>();
        services.AddSingleton<VectorIndexWriter>();
        services.AddSingleton<ImageIndexer>();
        services.AddBackfill<ImageBackfillSource>(builder.Configuration, defaultBatchSize: 2000);
        // Loaded before the bus starts, so a missing model stops the service at start.
        services.AddStartupCheck(sp =>
        {
            var tower = sp.GetRequiredService<ClipVisionTower>();
            return $"CLIP vision tower loaded: {tower.EmbeddingSize}-d embeddings on {tower.Provider}";
        }, ModelLoadFailure.Is);
    }

    public static void AddImageEmbeddingConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ImageIngestedConsumer, ImageIngestedConsumerDefinition>();
        bus.AddConsumer<ImageIngestedFaultConsumer>();
        bus.AddConsumer<ModelPromotedConsumer>();
    }
}
