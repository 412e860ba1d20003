using BrewClip.Hosting;

return await BrewClipService.RunAsync(args, "brewclip-training");
