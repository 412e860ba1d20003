using BrewClip.Hosting;
using BrewClip.ImageEmbedding;

return await BrewClipService.RunAsync(args, "brewclip-image-embedding",
    builder => builder.AddImageEmbeddingServices(),
    bus => bus.AddImageEmbeddingConsumers());
