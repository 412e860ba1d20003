using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using BrewClip.Hosting.Options;
using BrewClip.Storage.ApiKeys;
using Microsoft.Extensions.Options;

namespace BrewClip.Search;

/// <summary>Whether this Search requires API keys, and why (said at start).</summary>
public sealed record KeyMode(bool Required, string Why)
{
    public static KeyMode From(SearchOptions search, ServiceOptions service)
    {
        var host = Uri.TryCreate(service.HealthUrl, UriKind.Absolute, out var uri) ? uri.Host : "";
        var loopback = host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
        return search.RequireKeys switch
        {
            true => new(true, $"API keys are required (Search:RequireKeys is on; listening on {service.HealthUrl})"),
            false => new(false, $"API keys are not required (Search:RequireKeys is off; listening on {service.HealthUrl})"),
            null when loopback => new(false, $"API keys are not required: listening on loopback only ({service.HealthUrl}); set Search:RequireKeys to require them"),
            null => new(true, $"API keys are required: listening beyond loopback ({service.HealthUrl}); Search:RequireKeys=false turns them off"),
        };
    }
}

/// <summary>The key a request came with (its name is what the logs say; never its secret).</summary>
public sealed record Caller(string Name, string Prefix, byte[] SecretSha256);

/// <summary>
/// Content URLs a browser's players and images can fetch without a header: the path, an expiry and an HMAC of both
/// keyed with the caller's stored key hash, so every replica can check one (the hash is in Postgres) and revoking
/// the key ends its URLs at once.
/// </summary>
public static class ContentSignature
{
    public static string Sign(string path, Caller caller, TimeSpan lifetime)
    {
        var expires = DateTimeOffset.UtcNow.Add(lifetime).ToUnixTimeSeconds();
        return $"{path}?key={caller.Prefix}&exp={expires.ToString(CultureInfo.InvariantCulture)}&sig={Mac(caller.SecretSha256, path, expires)}";
    }

    /// <summary>Whether <paramref name="signature"/> signs this path and expiry with this key hash.</summary>
    public static bool Verify(byte[] secretSha256, string path, long expires, string signature)
        => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Mac(secretSha256, path, expires)), Encoding.ASCII.GetBytes(signature));

    private static string Mac(byte[] secretSha256, string path, long expires)
        => Convert.ToBase64String(HMACSHA256.HashData(secretSha256, Encoding.UTF8.GetBytes($"{path}\n{expires.ToString(CultureInfo.InvariantCulture)}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// Lets a request in when keys are off, when it is for health or the page's HTML (which holds no data and asks for a
/// key), or when it carries a live key (<c>Authorization: Bearer</c> or <c>X-Api-Key</c>) or a valid signed content URL.
/// The key's row is read on every request, so a revoked or expired key stops working at once on every replica.
/// Each keyed request is logged with the key's name.
/// </summary>
public sealed class ApiKeyGuard(RequestDelegate next, KeyMode mode, ApiKeyStore keys, ILogger<ApiKeyGuard> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!mode.Required || path.StartsWithSegments("/health") || path == "/")
        {
            await next(context);
            return;
        }
        var presented = Presented(context.Request);
        string? refusal;
        int status;
        Caller? caller = null;
        if (presented is not null)
        {
            (caller, status, refusal) = await CheckKeyAsync(presented, context.RequestAborted);
        }
        else if (context.Request.Query.ContainsKey("sig") && IsContent(path))
        {
            (caller, status, refusal) = await CheckSignedAsync(context.Request, context.RequestAborted);
        }
        else
        {
            (status, refusal) = (StatusCodes.Status401Unauthorized,
                "this Search requires an API key: send it as 'Authorization: Bearer KEY' or 'X-Api-Key: KEY' (brewclip keys create NAME makes one)");
        }
        if (caller is null)
        {
            logger.LogInformation("{Method} {Path} refused ({Status}): {Reason}", context.Request.Method, path.Value, status, refusal);
            if (status == StatusCodes.Status401Unauthorized)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }
            await Results.Problem(statusCode: status, title: status == StatusCodes.Status401Unauthorized ? "API key needed" : "API key no longer valid", detail: refusal)
                .ExecuteAsync(context);
            return;
        }
        context.Features.Set(caller);
        await next(context);
        logger.LogInformation("{Method} {Path} by key {Key}: {Status}", context.Request.Method, path.Value, caller.Name, context.Response.StatusCode);
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString() is { Length: > 7 } authorization && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[7..].Trim();
        }
        return request.Headers["X-Api-Key"].ToString() is { Length: > 0 } key ? key.Trim() : null;
    }

    private static bool IsContent(PathString path)
        => path.Value is { } value && (value.StartsWith("/api/media/", StringComparison.Ordinal) || value.StartsWith("/api/images/", StringComparison.Ordinal))
            && value.EndsWith("/content", StringComparison.Ordinal);

    private async Task<(Caller?, int, string?)> CheckKeyAsync(string presented, CancellationToken cancellationToken)
    {
        if (await keys.FindAsync(presented, cancellationToken) is not { } match)
        {
            return (null, StatusCodes.Status401Unauthorized, "the API key is not one of this index's keys (brewclip keys list shows them)");
        }
        return Live(match);
    }

    private async Task<(Caller?, int, string?)> CheckSignedAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        const string Invalid = "the content URL's signature is not valid; search again for a fresh URL, or send an API key";
        var prefix = request.Query["key"].ToString();
        if (!long.TryParse(request.Query["exp"], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || await keys.FindByPrefixAsync(prefix, cancellationToken) is not { } match
            || !ContentSignature.Verify(match.SecretSha256, request.Path.Value!, expires, request.Query["sig"].ToString()))
        {
            return (null, StatusCodes.Status401Unauthorized, Invalid);
        }
        if (DateTimeOffset.FromUnixTimeSeconds(Math.Min(expires, DateTimeOffset.MaxValue.ToUnixTimeSeconds())) <= DateTimeOffset.UtcNow)
        {
            return (null, StatusCodes.Status401Unauthorized, "the content URL has expired (Search:SignedUrlMinutes); search again for a fresh one");
        }
        return Live(match);
    }

    private static (Caller?, int, string?) Live(ApiKeyMatch match) => match.Key.StateAt(DateTimeOffset.UtcNow) switch
    {
        "revoked" => (null, StatusCodes.Status403Forbidden, $"the API key '{match.Key.Name}' was revoked at {match.Key.RevokedAt:u}"),
        "expired" => (null, StatusCodes.Status403Forbidden, $"the API key '{match.Key.Name}' expired at {match.Key.ExpiresAt:u}"),
        _ => (new Caller(match.Key.Name, match.Key.Prefix, match.SecretSha256), 0, null),
    };
}
