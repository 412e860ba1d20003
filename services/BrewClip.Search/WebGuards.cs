using System.Globalization;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace BrewClip.Search;

/// <summary>What guards the Search service's HTTP side besides keys: rate limits, CORS and security headers.</summary>
public static class WebGuards
{
    private const string CorsPolicy = "origins";

    /// <summary>The rate limiter and CORS, configured from the validated Search options.</summary>
    public static void AddWebGuards(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<SearchOptions>>((limiter, search) =>
        {
            var limits = search.Value.RateLimit;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                limits.PermitsPerMinute == 0 || context.Request.Path.StartsWithSegments("/health")
                    ? RateLimitPartition.GetNoLimiter("none")
                    : RateLimitPartition.GetTokenBucketLimiter(PartitionOf(context), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = limits.Burst,
                        TokensPerPeriod = 1,
                        ReplenishmentPeriod = TimeSpan.FromMinutes(1.0 / limits.PermitsPerMinute),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1.0 / limits.PermitsPerMinute);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var who = rejected.HttpContext.Features.Get<Caller>() is { } caller ? $"key '{caller.Name}'" : "this client";
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                    detail: $"{who} is over its rate limit ({limits.PermitsPerMinute} a minute, {limits.Burst} at once: Search:RateLimit); " +
                        $"try again in {seconds} s").ExecuteAsync(rejected.HttpContext);
            };
        });
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<SearchOptions>>((cors, search) =>
        {
            if (search.Value.Cors.Origins is { Length: > 0 } origins)
            {
                cors.AddPolicy(CorsPolicy, policy => policy.WithOrigins(origins)
                    .WithMethods("GET", "POST").WithHeaders("Authorization", "X-Api-Key", "Content-Type", "Range")
                    .WithExposedHeaders("Retry-After", "Content-Range"));
            }
        });
    }

    /// <summary>The middleware in order: headers on every answer, CORS (when origins are set), keys, then rate limits per key.</summary>
    public static void UseWebGuards(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            await next(context);
        });
        if (app.Services.GetRequiredService<IOptions<SearchOptions>>().Value.Cors.Origins.Length > 0)
        {
            app.UseCors(CorsPolicy);
        }
        app.UseMiddleware<ApiKeyGuard>();
        app.UseRateLimiter();
    }

    /// <summary>The page, its inline script allowed by a nonce of this response alone (CSP), nothing loaded from elsewhere.</summary>
    public static IResult Page(HttpContext context, string html)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Response.Headers.ContentSecurityPolicy = $"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; " +
            "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(html.Replace("<script>", $"<script nonce=\"{nonce}\">", StringComparison.Ordinal), "text/html; charset=utf-8");
    }

    /// <summary>Requests are counted per key; without keys, per client address.</summary>
    private static string PartitionOf(HttpContext context)
        => context.Features.Get<Caller>() is { } caller ? "key:" + caller.Name : "address:" + context.Connection.RemoteIpAddress;
}
