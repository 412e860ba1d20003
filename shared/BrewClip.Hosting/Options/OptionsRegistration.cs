using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BrewClip.Hosting.Options;

public static class OptionsRegistration
{
    /// <summary>Binds <typeparamref name="T"/> to a configuration section and validates it when the host starts.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new NamedOptionsValidator<T>(section));
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>Binds and validates now, for settings needed before the host is built; throws naming the bad option.</summary>
    public static T BindValidated<T>(this IConfiguration configuration, string section) where T : class, new()
    {
        var options = new T();
        configuration.GetSection(section).Bind(options);
        var result = new NamedOptionsValidator<T>(section).Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(section, typeof(T), result.Failures);
        }
        return options;
    }
}
