using BrewClip.Storage;
using BrewClip.Storage.Artifacts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BrewClip.Hosting.Options;

public static class ArtifactStoreRegistration
{
    /// <summary>
    /// The artifact store Artifacts:Store names (validated at start): files under Artifacts:Root (else BREWCLIP_ARTIFACTS,
    /// else ./artifacts), or the bucket Artifacts:Bucket under Artifacts:Prefix.
    /// </summary>
    public static IServiceCollection AddArtifactStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ArtifactOptions>(configuration, ArtifactOptions.Section);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ArtifactOptions>>().Value.CreateStore());
        services.AddStartupCheck(sp => sp.GetRequiredService<IArtifactStore>() switch
        {
            S3ArtifactStore s3 => s3.CheckAsync().GetAwaiter().GetResult(),
            FileSystemArtifactStore files => $"Artifacts under {files.Root}",
            var other => $"Artifacts in {other.GetType().Name}",
        }, e => e is ArtifactStoreUnavailableException);
        return services;
    }
}
