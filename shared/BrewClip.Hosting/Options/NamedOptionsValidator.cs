using System.ComponentModel.DataAnnotations;
using BrewClip.Hosting.Configuration;
using Microsoft.Extensions.Options;

namespace BrewClip.Hosting.Options;

/// <summary>
/// Validates an options class by its data annotations (and <see cref="IValidatableObject"/>), naming each
/// failing option as a user sets it: the configuration key and its environment variable.
/// </summary>
public sealed class NamedOptionsValidator<T>(string section) : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            return ValidateOptionsResult.Success;
        }
        return ValidateOptionsResult.Fail(results.Select(Describe));
    }

    private string Describe(ValidationResult result)
    {
        var members = result.MemberNames.DefaultIfEmpty("").Select(member => member.Length == 0 ? section : $"{section}:{member}");
        return string.Join("; ", members.Select(key => $"option {key} ({BrewClipConfiguration.EnvironmentVariableFor(key)}): {result.ErrorMessage}"));
    }
}
