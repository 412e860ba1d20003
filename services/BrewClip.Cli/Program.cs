using BrewClip.Cli;

return await BrewClipCommand.Create().Parse(args).InvokeAsync();
