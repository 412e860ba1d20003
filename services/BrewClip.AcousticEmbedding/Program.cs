using BrewClip.AcousticEmbedding;
using BrewClip.Hosting;

return await BrewClipService.RunAsync(args, "brewclip-acoustic-embedding",
    builder => builder.AddAcousticEmbeddingServices(),
    bus => bus.AddAcousticEmbeddingConsumers());
