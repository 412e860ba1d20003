using Microsoft.Extensions.Configuration;

namespace BrewClip.Hosting.Configuration;

internal sealed class DotEnvConfigurationProvider(string path) : ConfigurationProvider
{
    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (File.Exists(path))
        {
            foreach (var (key, value) in DotEnvFile.Parse(File.ReadAllText(path), path))
            {
                if (key.StartsWith(BrewClipConfiguration.EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                {
                    data[key[BrewClipConfiguration.EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = value;
                }
            }
        }
        Data = data;
    }
}
