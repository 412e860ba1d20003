using BrewClip.Hosting;
using BrewClip.Hosting.Options;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BrewClip.Backfill;

public static class BackfillRegistration
{
    /// <summary>Re-embeds <typeparamref name="TSource"/>'s items whenever a version is being backfilled (see <see cref="BackfillWorker"/>).</summary>
    public static IServiceCollection AddBackfill<TSource>(this IServiceCollection services, IConfiguration configuration, int defaultBatchSize)
        where TSource : class, IBackfillSource
    {
        services.AddValidatedOptions<BackfillOptions>(configuration, BackfillOptions.Section);
        services.AddSingleton<IBackfillSource, TSource>();
        services.AddSingleton<WakeUpSignal>();
        services.AddHostedService(sp => ActivatorUtilities.CreateInstance<BackfillWorker>(sp, defaultBatchSize));
        return services;
    }
}
