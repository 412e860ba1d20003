using BrewClip.Hosting;
using BrewClip.Hosting.Options;
using BrewClip.Media;
using BrewClip.Models;
using BrewClip.Queries;
using BrewClip.Search.Consumers;
using BrewClip.Storage.ApiKeys;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.ModelVersions;
using MassTransit;
using Microsoft.Extensions.Options;

namespace BrewClip.Search;

public static class SearchServiceExtensions
{
    /// <summary>Everything the Search service uses besides the shared host defaults.</summary>
    public static void AddSearchServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddValidatedOptions<SearchOptions>(builder.Configuration, SearchOptions.Section);
        services.AddValidatedOptions<QueryLimitOptions>(builder.Configuration, QueryLimitOptions.Section);
        services.AddValidatedOptions<ImageLimitOptions>(builder.Configuration, ImageLimitOptions.Section);
        services.AddValidatedOptions<ModelOptions>(builder.Configuration, ModelOptions.Section);
        services.AddArtifactStore(builder.Configuration);
        // Audio queries are transcribed as the Transcription service transcribes recordings.
        var language = builder.Configuration["Transcription:Language"];
        services.AddSingleton(sp => new QueryEmbedder(sp.GetRequiredService<IOptions<ModelOptions>>().Value, sp.GetRequiredService<IArtifactStore>(), new MediaToolOptions(), language,
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<IOptions<QueryLimitOptions>>().Value.Limits(sp.GetRequiredService<IOptions<ImageLimitOptions>>().Value)));
        services.AddSingleton<Searcher>();
        services.AddSingleton<QueryGate>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton(sp => KeyMode.From(sp.GetRequiredService<IOptions<SearchOptions>>().Value, sp.GetRequiredService<IOptions<ServiceOptions>>().Value));
        services.AddStartupCheck(sp => sp.GetRequiredService<KeyMode>().Why, _ => false);
        services.AddWebGuards();
        services.AddSingleton<MediaCatalog>();
        services.AddSingleton<ModelVersionReader>();
        services.AddOpenApi();
        services.AddProblemDetails();
        services.AddStartupCheck(sp =>
        {
            if (!sp.GetRequiredService<IOptions<SearchOptions>>().Value.LoadModelsAtStart)
            {
                return "Models load at the first query (Search:LoadModelsAtStart is off)";
            }
            sp.GetRequiredService<QueryEmbedder>().Load();
            return "CLIP's text and vision towers and Whisper loaded for queries";
        }, ModelLoadFailure.Is);
    }

    public static void AddSearchConsumers(this IBusRegistrationConfigurator bus) => bus.AddConsumer<ModelActivatedConsumer>();
}
