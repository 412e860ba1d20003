using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>Queues as RabbitMQ's management API reports them: depths (ready and unacknowledged messages together), types.</summary>
internal static class RabbitMqManagement
{
    private static readonly HttpClient Http = CreateClient();

    public static async Task<long> MessagesAsync(string queue)
    {
        var endpoint = TestSettings.RabbitMq;
        var response = await Http.GetAsync($"api/queues/{Uri.EscapeDataString(endpoint.VirtualHost)}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return 0;
        }
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.TryGetProperty("messages", out var messages) ? messages.GetInt64() : 0;
    }

    /// <summary>The queue's type as the broker reports it ("classic", "quorum"), null when there is no such queue.</summary>
    public static async Task<string?> TypeAsync(string queue)
    {
        var endpoint = TestSettings.RabbitMq;
        var response = await Http.GetAsync($"api/queues/{Uri.EscapeDataString(endpoint.VirtualHost)}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("type").GetString();
    }

    /// <summary>The queues whose names start with <paramref name="prefix"/>, with their messages (ready and unacknowledged).</summary>
    public static async Task<IReadOnlyDictionary<string, long>> QueuesAsync(string prefix)
    {
        var endpoint = TestSettings.RabbitMq;
        var response = await Http.GetAsync($"api/queues/{Uri.EscapeDataString(endpoint.VirtualHost)}?columns=name,messages");
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.EnumerateArray()
            .Select(q => (Name: q.GetProperty("name").GetString()!, Messages: q.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 0))
            .Where(q => q.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(q => q.Name, q => q.Messages);
    }

    public static async Task<bool> ExistsAsync(string queue)
    {
        var endpoint = TestSettings.RabbitMq;
        var response = await Http.GetAsync($"api/queues/{Uri.EscapeDataString(endpoint.VirtualHost)}/{Uri.EscapeDataString(queue)}");
        return response.StatusCode != System.Net.HttpStatusCode.NotFound && response.EnsureSuccessStatusCode().IsSuccessStatusCode;
    }

    private static HttpClient CreateClient()
    {
        var endpoint = TestSettings.RabbitMq;
        var port = Environment.GetEnvironmentVariable("BREWCLIP_TEST_RABBITMQ_MANAGEMENT_PORT") is { Length: > 0 } p ? p : "15672";
        var client = new HttpClient { BaseAddress = new Uri($"http://{endpoint.Host}:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{endpoint.Username}:{endpoint.Password}")));
        return client;
    }
}
