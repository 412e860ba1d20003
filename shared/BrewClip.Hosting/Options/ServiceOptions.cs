using System.ComponentModel.DataAnnotations;

namespace BrewClip.Hosting.Options;

public sealed class ServiceOptions : IValidatableObject
{
    public const string Section = "Service";

    /// <summary>Where the health endpoints (/health/live, /health/ready) listen.</summary>
    [Required]
    public string HealthUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>How long shutdown waits for in-flight messages before it hands them back to the broker.</summary>
    [Range(1, 3600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>Console log format: simple (one line per event) or json (structured).</summary>
    [RegularExpression("^(simple|json)$", ErrorMessage = "must be simple or json")]
    public string LogFormat { get; set; } = "simple";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(HealthUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            yield return new ValidationResult("must be an absolute http(s) URL such as http://127.0.0.1:8081", [nameof(HealthUrl)]);
        }
    }
}
