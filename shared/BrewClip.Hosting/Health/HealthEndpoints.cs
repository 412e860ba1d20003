using System.Text.Json;
using BrewClip.Hosting.Bus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BrewClip.Hosting.Health;

public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    /// <summary>
    /// <c>/health/live</c>: the process answers. <c>/health/ready</c>: Postgres, the schema and the bus are usable.
    /// <c>/status/messages</c>: what the process has published and handled since it started (<see cref="MessageCounts"/>).
    /// </summary>
    public static WebApplication MapBrewClipHealth(this WebApplication app)
    {
        app.MapGet("/status/messages", (MessageCounts counts) => Results.Json(counts.Snapshot(), StatusJson));
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteJson });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteJson });
        return app;
    }

    private static readonly JsonSerializerOptions StatusJson = new(JsonSerializerDefaults.Web);

    private static Task WriteJson(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description ?? e.Value.Exception?.Message }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
