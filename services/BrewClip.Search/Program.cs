using BrewClip.Hosting;
using BrewClip.Search;

return await BrewClipService.RunAsync(args, "brewclip-search",
    builder => builder.AddSearchServices(),
    bus => bus.AddSearchConsumers(),
    app => app.MapSearch());
