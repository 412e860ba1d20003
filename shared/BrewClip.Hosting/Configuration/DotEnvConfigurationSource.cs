using Microsoft.Extensions.Configuration;

namespace BrewClip.Hosting.Configuration;

/// <summary>Configuration from a <c>.env</c> file: only <c>BREWCLIP__</c> keys, mapped as environment variables are.</summary>
public sealed class DotEnvConfigurationSource(string path) : IConfigurationSource
{
    public string Path { get; } = path;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new DotEnvConfigurationProvider(Path);
}
