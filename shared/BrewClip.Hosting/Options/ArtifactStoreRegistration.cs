using BrewClip.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BrewClip.Hosting.Options;

public static class ArtifactStoreRegistration
{
    /// <summary>The artifact store at Artifacts:Root (validated at start), else BREWCLIP_ARTIFACTS, else ./artifacts.</summary>
    public static IServiceCollection AddArtifactStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ArtifactOptions>(configuration, ArtifactOptions.Section);
        services.AddSingleton(sp => FileSystemArtifactStore.FromEnvironment(sp.GetRequiredService<IOptions<ArtifactOptions>>().Value.Root));
        return services;
    }
}
