using System.ComponentModel.DataAnnotations;

namespace BrewClip.Hosting.Options;

public sealed class RabbitMqOptions : IValidatableObject
{
    public const string Section = "RabbitMq";

    [Required]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    [Required]
    public string VirtualHost { get; set; } = "/";

    [Required]
    public string Username { get; set; } = "guest";

    [Required]
    public string Password { get; set; } = "guest";

    /// <summary>Prepended to every queue and exchange name, so two deployments can share a broker's virtual host without seeing each other's messages.</summary>
    [RegularExpression("^[a-z0-9-]*$", ErrorMessage = "use lowercase letters, digits and dashes")]
    public string QueuePrefix { get; set; } = "";

    /// <summary>Messages the broker may deliver ahead of acknowledgement, per receive endpoint.</summary>
    [Range(1, 10000)]
    public int PrefetchCount { get; set; } = 16;

    /// <summary>Messages a receive endpoint handles at once.</summary>
    [Range(1, 1000)]
    public int ConcurrencyLimit { get; set; } = 4;

    /// <summary>Retries after the first failure before a message goes to its error queue.</summary>
    [Range(0, 50)]
    public int RetryLimit { get; set; } = 5;

    [Range(1, 3_600_000)]
    public int RetryMinIntervalMs { get; set; } = 500;

    [Range(1, 3_600_000)]
    public int RetryMaxIntervalMs { get; set; } = 60_000;

    [Range(1, 3_600_000)]
    public int RetryIntervalDeltaMs { get; set; } = 1_000;

    /// <summary>
    /// MassTransit's anonymous usage report, sent to its authors' servers a few minutes after start. Off unless
    /// turned on here (MassTransit's own MASSTRANSIT_USAGE_TELEMETRY variable, when set, still decides).
    /// </summary>
    public bool UsageTelemetry { get; set; }

    /// <summary>
    /// Declare the services' queues (and their _error and _skipped queues) as quorum queues, replicated over the
    /// cluster's nodes so they survive losing one. A queue's type is fixed when it is first declared: switching an
    /// existing deployment means deleting its queues (or a new RabbitMq:QueuePrefix), else the services stop at start
    /// with the broker's PRECONDITION_FAILED naming the queue.
    /// </summary>
    public bool QuorumQueues { get; set; }

    /// <summary>How long a starting service waits for the broker before it gives up.</summary>
    [Range(1, 3600)]
    public int StartupTimeoutSeconds { get; set; } = 60;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetryMaxIntervalMs < RetryMinIntervalMs)
        {
            yield return new ValidationResult(
                $"must be at least RabbitMq:RetryMinIntervalMs ({RetryMinIntervalMs})", [nameof(RetryMaxIntervalMs)]);
        }
    }
}
