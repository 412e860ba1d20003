using MassTransit;

namespace BrewClip.Hosting.Bus;

/// <summary>
/// Names each message's exchange RabbitMq:QueuePrefix + MassTransit's name ("t1a2b-BrewClip.Contracts:ImageIngested"),
/// so two deployments sharing a virtual host under different prefixes neither see nor consume each other's messages:
/// prefixed queues alone would still be bound to the same exchanges.
/// </summary>
public sealed class PrefixedEntityNames(IEntityNameFormatter inner, string prefix) : IEntityNameFormatter
{
    public string FormatEntityName<T>() => prefix + inner.FormatEntityName<T>();
}
