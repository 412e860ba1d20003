using BrewClip.Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BrewClip.Hosting.Options;

public static partial class OptionsRegistration
{
    /// <summary>Binds <typeparamref name="T"/> to a configuration section and validates it when the host starts.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        // Every value converted now: a value of the wrong type stops the service while it is being built, naming the
        // option, rather than when something first asks for the options.
        Convert(() => configuration.GetSection(section).Get<T>());
        services.AddSingleton<IValidateOptions<T>>(new NamedOptionsValidator<T>(section));
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>Runs a configuration bind, turning the binder's conversion error into one that names the option as a user sets it.</summary>
    private static void Convert(Action bind)
    {
        try
        {
            bind();
        }
        catch (InvalidOperationException e) when (ConversionFailure(e) is { } failure)
        {
            throw new OptionsValidationException(failure.Key, typeof(object), [failure.Message]);
        }
    }

    /// <summary>
    /// The option a binder conversion error is about, with a message naming it and its environment variable
    /// ("option RabbitMq:Port (BREWCLIP__RabbitMq__Port): 'five' is not a whole number"); null for other errors.
    /// </summary>
    public static (string Key, string Message)? ConversionFailure(InvalidOperationException e)
    {
        var match = ConversionMessage().Match(e.Message);
        if (!match.Success)
        {
            return null;
        }
        var key = match.Groups["key"].Value;
        var expected = match.Groups["type"].Value switch
        {
            "System.Boolean" => "true or false",
            "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt32" or "System.UInt64" => "a whole number",
            "System.Double" or "System.Single" or "System.Decimal" => "a number",
            "System.TimeSpan" => "a time span (hh:mm:ss)",
            var type => $"a valid {type[(type.LastIndexOf('.') + 1)..]}",
        };
        return (key, $"option {key} ({BrewClipConfiguration.EnvironmentVariableFor(key)}): '{match.Groups["value"].Value}' is not {expected}");
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'")]
    private static partial System.Text.RegularExpressions.Regex ConversionMessage();

    /// <summary>Binds and validates now, for settings needed before the host is built; throws naming the bad option.</summary>
    public static T BindValidated<T>(this IConfiguration configuration, string section) where T : class, new()
    {
        var options = new T();
        Convert(() => configuration.GetSection(section).Bind(options));
        var result = new NamedOptionsValidator<T>(section).Validate(null, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(section, typeof(T), result.Failures);
        }
        return options;
    }
}
