using Microsoft.Extensions.Configuration;

namespace BrewClip.Hosting.Configuration;

/// <summary>
/// Where every BrewClip program reads its settings, later sources winning: appsettings.json, the
/// <c>.env</c> file (or the one <c>BREWCLIP_ENV_FILE</c> names), <c>BREWCLIP__Section__Key</c> environment
/// variables, then the command line.
/// </summary>
public static class BrewClipConfiguration
{
    public const string EnvironmentPrefix = "BREWCLIP__";
    public const string EnvFileVariable = "BREWCLIP_ENV_FILE";

    public static IConfigurationBuilder AddBrewClipSources(this IConfigurationBuilder builder, string[] args)
    {
        var envFile = Environment.GetEnvironmentVariable(EnvFileVariable);
        builder.Add(new DotEnvConfigurationSource(string.IsNullOrEmpty(envFile)
            ? Path.Combine(Directory.GetCurrentDirectory(), ".env")
            : envFile));
        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddCommandLine(args);
        return builder;
    }

    /// <summary>The environment variable that sets a configuration key, for messages.</summary>
    public static string EnvironmentVariableFor(string key)
        => EnvironmentPrefix + key.Replace(ConfigurationPath.KeyDelimiter, "__", StringComparison.Ordinal);
}
