using BrewClip.Hosting;
using BrewClip.Transcription;

return await BrewClipService.RunAsync(args, "brewclip-transcription",
    builder => builder.AddTranscriptionServices(),
    bus => bus.AddTranscriptionConsumers());
