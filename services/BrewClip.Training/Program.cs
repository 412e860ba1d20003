using BrewClip.Hosting;
using BrewClip.Training;

return await BrewClipService.RunAsync(args, "brewclip-training",
    builder => builder.AddTrainingServices(),
    bus => bus.AddTrainingConsumers());
