using BrewClip.Hosting;
using BrewClip.Hosting.Options;
using BrewClip.Models;
using BrewClip.Training.Consumers;
using BrewClip.Training.Data;
using BrewClip.Training.ModelVersions;
using BrewClip.Training.Runs;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.Training;

public static class TrainingExtensions
{
    /// <summary>Everything the Training service uses besides the shared host defaults.</summary>
    public static void AddTrainingServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<TrainingOptions>(builder.Configuration, TrainingOptions.Section);
        services.AddValidatedOptions<ModelOptions>(builder.Configuration, ModelOptions.Section);
        services.AddArtifactStore(builder.Configuration);
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<ModelOptions>>().Value.Store());
        services.AddSingleton<VersionIndexes>();
        services.AddSingleton<ModelVersionRegistry>();
        services.AddSingleton<ModelPromotion>();
        services.AddSingleton<WakeUpSignal>();
        services.AddHostedService<PromotionMonitor>();
        services.AddHostedService<ModelChangeWatcher>();
        services.AddSingleton<TrainingRunStore>();
        services.AddSingleton<TrainingPairs>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<RunCheckpoints>();
        services.AddHostedService<TrainingWorker>();
        services.AddHostedService<TrainingScheduler>();
    }

    public static void AddTrainingConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<PromoteModelConsumer>();
        bus.AddConsumer<ActivateModelConsumer>();
        bus.AddConsumer<ModelBackfillCompletedConsumer>();
        bus.AddConsumer<ModelBackfillFailedConsumer>();
        bus.AddConsumer<RetrainRequestedConsumer>();
    }
}
