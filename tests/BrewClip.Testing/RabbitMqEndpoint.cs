namespace BrewClip.Testing;

public sealed record RabbitMqEndpoint(string Host, int Port, string VirtualHost, string Username, string Password);
