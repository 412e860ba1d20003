using BrewClip.Hosting.Options;

namespace BrewClip.Testing;

public sealed record RabbitMqEndpoint(string Host, int Port, string VirtualHost, string Username, string Password)
{
    /// <summary>A bus's options on this broker, under <paramref name="queuePrefix"/>.</summary>
    public RabbitMqOptions Options(string queuePrefix) => new()
    {
        Host = Host,
        Port = Port,
        VirtualHost = VirtualHost,
        Username = Username,
        Password = Password,
        QueuePrefix = queuePrefix,
    };
}
