using BrewClip.Hosting;
using BrewClip.Ingest;

return await BrewClipService.RunAsync(args, "brewclip-ingest", builder => builder.AddIngestServices());
