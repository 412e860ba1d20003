using BrewClip.Hosting.Options;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BrewClip.Hosting.Backfill;

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

    public static void AddBackfillConsumers(this IBusRegistrationConfigurator bus) => bus.AddConsumer<ModelPromotedConsumer>();
}
