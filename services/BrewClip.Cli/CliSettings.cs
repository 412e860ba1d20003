using BrewClip.Hosting.Configuration;
using BrewClip.Hosting.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace BrewClip.Cli;

/// <summary>The CLI reads the same settings as the services: appsettings.json, .env, BREWCLIP__ variables.</summary>
internal static class CliSettings
{
    public static IConfiguration Load() => new ConfigurationBuilder()
        .SetBasePath(AppContext.BaseDirectory)
        .AddJsonFile("appsettings.json", optional: true)
        .AddBrewClipSources([])
        .Build();

    /// <summary>Binds and validates a section; prints what is wrong and returns null when it is invalid.</summary>
    public static T? TryBind<T>(IConfiguration configuration, string section) where T : class, new()
    {
        try
        {
            return configuration.BindValidated<T>(section);
        }
        catch (OptionsValidationException e)
        {
            Console.Error.WriteLine("brewclip: invalid configuration: " + string.Join(" ", e.Failures));
            return null;
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine("brewclip: invalid configuration: " + e.Message);
            return null;
        }
    }
}
