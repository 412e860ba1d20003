using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BrewClip.Testing;
using OpenQA.Selenium;

namespace BrewClip.IntegrationTests;

/// <summary>
/// API keys on the Search service, through the real CLI, two Search replicas over one index and a real headless
/// Chromium: 401 without a key, 200 with one in either header, media guarded (signed content URLs for players),
/// 429 over a key's rate limit, a revoked key refused at once by both replicas, the secret shown once and stored
/// or logged nowhere, and the page asking for a key.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class SearchKeysTests(Xunit.Abstractions.ITestOutputHelper output) : IndexedFolderTests("search-keys")
{
    [Fact]
    public async Task Keys_guard_every_route_but_health_limit_each_key_and_stop_working_at_once_when_revoked()
    {
        await IndexAsync();
        var (first, firstPort) = await StartAsync("BrewClip.Search", new() { ["BREWCLIP__Search__RequireKeys"] = "true" });
        var (second, secondPort) = await StartAsync("BrewClip.Search", new()
        {
            ["BREWCLIP__Search__RequireKeys"] = "true",
            ["BREWCLIP__Search__RateLimit__Burst"] = "4",
            ["BREWCLIP__Search__RateLimit__PermitsPerMinute"] = "1",
            ["BREWCLIP__Search__Cors__Origins__0"] = "http://app.example",
        });
        Assert.Contains("API keys are required (Search:RequireKeys is on", first.Stdout, StringComparison.Ordinal);
        // Unset, keys are required as soon as Search listens beyond loopback.
        var openPort = ServiceProcess.FreePort();
        var open = ServiceProcess.Start("BrewClip.Search", Settings(openPort, new() { ["BREWCLIP__Service__HealthUrl"] = $"http://0.0.0.0:{openPort}" }));
        Services.Add(open);
        Assert.True(await open.WaitForReadyAsync(openPort) is not null, open.ToString());
        Assert.Contains($"API keys are required: listening beyond loopback (http://0.0.0.0:{openPort})", open.Stdout, StringComparison.Ordinal);
        using (var anyone = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{openPort}") })
        using (var refusedOpen = await anyone.GetAsync("/api/search?q=dog"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refusedOpen.StatusCode);
        }
        await open.DisposeAsync();
        Services.Remove(open);
        using var a = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{firstPort}"), Timeout = TimeSpan.FromMinutes(2) };
        using var b = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{secondPort}"), Timeout = TimeSpan.FromMinutes(2) };

        // Made by the CLI: the key is printed once, on stdout alone; only its hash is stored, and the list shows its prefix.
        var alice = await KeyAsync("alice");
        var bob = await KeyAsync("bob");
        var stored = string.Join('\n', await Db.ColumnAsync<string>("select row_to_json(k)::text from brewclip.api_keys k"));
        // The secret is what follows "bck_" and the 8-hex prefix and its '_'; it may itself hold '_' (base64url).
        var secretPart = SecretOf(alice);
        Assert.DoesNotContain(secretPart, stored, StringComparison.Ordinal);
        Assert.Contains($"\"prefix\":\"{alice[4..12]}\"", stored, StringComparison.Ordinal);
        var list = await CliAsync("keys", "list");
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains(alice[4..12], list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(secretPart, list.Stdout + list.Stderr, StringComparison.Ordinal);

        // Without a key: 401 with a problem saying how to send one, on every route but health and the page's HTML.
        foreach (var path in new[] { "/api/search?q=dog", "/api/media/1", "/api/media/1/content", "/api/images/1/content", "/openapi/v1.json", "/nothing" })
        {
            using var refused = await a.GetAsync(path);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)refused.StatusCode}");
            Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
            Assert.StartsWith("this Search requires an API key", await DetailAsync(refused), StringComparison.Ordinal);
        }
        using (var health = await a.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        using (var page = await a.GetAsync("/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var policy = page.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("script-src 'nonce-", policy, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
            Assert.False(page.Headers.Contains("Access-Control-Allow-Origin"));
        }

        // CORS: only the second replica lists an origin, and only that origin's pages may call it (the preflight carries no key).
        foreach (var (client, origin, allowed) in new[] { (b, "http://app.example", true), (b, "http://other.example", false), (a, "http://app.example", false) })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/search?q=dog")
            {
                Headers = { { "Origin", origin }, { "Access-Control-Request-Method", "GET" }, { "Access-Control-Request-Headers", "authorization" } },
            };
            using var answer = await client.SendAsync(preflight);
            Assert.True(allowed == answer.Headers.TryGetValues("Access-Control-Allow-Origin", out var origins), $"{origin} -> {client.BaseAddress}: {answer}");
            if (allowed)
            {
                Assert.Equal(origin, origins!.Single());
            }
        }

        // With a key, in either header: answered; a key of the right form that is not one of ours is 401.
        var words = await JsonAsync(await a.SendAsync(Get("/api/search?q=red%20train%20station&k=20", bearer: alice)));
        await JsonAsync(await a.SendAsync(Get("/api/search?q=dog", apiKey: alice)));
        var forged = alice[..^1] + (alice[^1] == 'A' ? 'B' : 'A');
        using (var wrong = await a.SendAsync(Get("/api/search?q=dog", bearer: forged)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.StartsWith("the API key is not one of this index's keys", await DetailAsync(wrong), StringComparison.Ordinal);
        }

        // Media: the search's content URLs are signed for the key, so players and images fetch them without a header;
        // the bare URL needs a key, and a changed signature is refused.
        var hits = words.GetProperty("hits").EnumerateArray().ToList();
        var audioUrl = hits.First(h => h.GetProperty("type").GetString() == "audio").GetProperty("contentUrl").GetString()!;
        var imageUrl = hits.First(h => h.GetProperty("type").GetString() != "audio").GetProperty("contentUrl").GetString()!;
        Assert.Contains("&sig=", audioUrl, StringComparison.Ordinal);
        using (var range = new HttpRequestMessage(HttpMethod.Get, audioUrl) { Headers = { Range = new RangeHeaderValue(0, 99) } })
        using (var partial = await b.SendAsync(range))
        {
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        }
        using (var image = await a.GetAsync(imageUrl))
        {
            Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
        }
        var bare = imageUrl[..imageUrl.IndexOf('?')];
        using (var unsigned = await a.GetAsync(bare))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }
        using (var withHeader = await a.SendAsync(Get(bare, apiKey: alice)))
        {
            Assert.Equal(HttpStatusCode.OK, withHeader.StatusCode);
        }
        using (var tampered = await a.GetAsync(imageUrl.Replace("/api/images/", "/api/images/9", StringComparison.Ordinal)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
            Assert.StartsWith("the content URL's signature is not valid", await DetailAsync(tampered), StringComparison.Ordinal);
        }

        // Rate limits are per key: bob's fifth request at once on the second replica is 429 with Retry-After; alice is not held up.
        for (var i = 0; i < 4; i++)
        {
            await JsonAsync(await b.SendAsync(Get("/api/search?q=dog", bearer: bob)));
        }
        using (var limited = await b.SendAsync(Get("/api/search?q=dog", bearer: bob)))
        {
            Assert.Equal((HttpStatusCode)429, limited.StatusCode);
            Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
            Assert.StartsWith("key 'bob' is over its rate limit (1 a minute, 4 at once: Search:RateLimit)", await DetailAsync(limited), StringComparison.Ordinal);
        }
        await JsonAsync(await b.SendAsync(Get("/api/search?q=dog", bearer: alice)));

        // Revoked: both replicas refuse the key and its signed URLs from the next request, with no wait.
        var revoke = await CliAsync("keys", "revoke", "alice");
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        foreach (var client in new[] { a, b })
        {
            using var revoked = await client.SendAsync(Get("/api/search?q=dog", bearer: alice));
            Assert.Equal(HttpStatusCode.Forbidden, revoked.StatusCode);
            Assert.StartsWith("the API key 'alice' was revoked at ", await DetailAsync(revoked), StringComparison.Ordinal);
            using var url = await client.GetAsync(imageUrl);
            Assert.Equal(HttpStatusCode.Forbidden, url.StatusCode);
        }
        // An expired key (its expiry set in the past for the test) is refused the same way.
        var carol = await KeyAsync("carol");
        await Db.ExecuteAsync("update brewclip.api_keys set expires_at = now() - interval '1 minute' where name = 'carol'");
        using (var expired = await a.SendAsync(Get("/api/search?q=dog", apiKey: carol)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
            Assert.StartsWith("the API key 'carol' expired at ", await DetailAsync(expired), StringComparison.Ordinal);
        }

        // The CLI's refusals, in one line each.
        foreach (var (args, message) in new[]
        {
            (new[] { "keys", "revoke", "alice" }, "no live key is named 'alice'"),
            (["keys", "create", "bob"], "a live key is named 'bob' already"),
            (["keys", "create", "two words"], "'two words' is not a key name"),
            (["keys", "create", "later", "--expires", "someday"], "--expires must be a date (2027-01-31)"),
            (["keys", "create", "later", "--expires", "2020-01-01"], "--expires 2020-01-01 is not in the future"),
        })
        {
            var refused = await CliAsync(args);
            Assert.True(refused.ExitCode == 2, $"brewclip {string.Join(' ', args)}: exit {refused.ExitCode}.\n{refused}");
            Assert.StartsWith("brewclip: " + message, refused.Stderr, StringComparison.Ordinal);
            Assert.Single(refused.Stderr.Trim().Split('\n'));
        }

        // Key use is logged by name; no secret is ever written by either replica.
        Assert.Contains("GET /api/search by key alice: 200", first.Stdout, StringComparison.Ordinal);
        foreach (var service in new[] { first, second })
        {
            foreach (var secret in new[] { alice, bob, carol })
            {
                Assert.DoesNotContain(SecretOf(secret), service.Stdout + service.Stderr, StringComparison.Ordinal);
            }
        }

        // The page asks for a key when the service wants one, keeps it for the session, and its players and thumbnails load.
        using var browser = HeadlessBrowser.Start();
        var (driver, wait) = (browser.Driver, browser.Wait);
        driver.Navigate().GoToUrl($"http://127.0.0.1:{firstPort}/");
        Assert.False(driver.FindElement(By.Id("key-form")).Displayed);
        driver.FindElement(By.Id("q")).SendKeys("red train station" + Keys.Enter);
        wait.Until(d => d.FindElement(By.Id("key-form")).Displayed);
        Assert.StartsWith("this Search requires an API key", driver.FindElement(By.Id("error")).Text, StringComparison.Ordinal);
        driver.FindElement(By.Id("key")).SendKeys(bob + Keys.Enter);
        wait.Until(d => d.FindElements(By.CssSelector(".audio-hit")).Count > 0);
        Assert.False(driver.FindElement(By.Id("key-form")).Displayed);
        Assert.Contains("&sig=", driver.FindElements(By.CssSelector(".audio-hit audio"))[0].GetAttribute("src"), StringComparison.Ordinal);
        wait.Until(_ => browser.True("return [...document.querySelectorAll('.image-hit img')].length > 0 && [...document.querySelectorAll('.image-hit img')].every(i => i.complete && i.naturalWidth > 0)"));
        wait.Until(_ => browser.True("return document.querySelector('.audio-hit audio').readyState >= 1"));
        Assert.Equal(bob, ((IJavaScriptExecutor)driver).ExecuteScript("return sessionStorage.getItem('brewclip-api-key')"));
        browser.Screenshot("search-page-with-key");
        // A reload in the same session searches at once, without asking again.
        driver.Navigate().GoToUrl($"http://127.0.0.1:{firstPort}/?q=dog&kind=audio");
        wait.Until(d => d.FindElements(By.CssSelector(".audio-hit")).Count > 0);
        Assert.False(driver.FindElement(By.Id("key-form")).Displayed);
        output.WriteLine(string.Join('\n', first.Stdout.Split('\n').Where(l => l.Contains(" by key ", StringComparison.Ordinal)).Take(5)));
        Assert.False(first.HasExited || second.HasExited, $"{first}\n{second}");
    }

    private async Task<ServiceProcess> CliAsync(params string[] args)
    {
        var cli = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, args);
        Assert.True(await cli.WaitForExitAsync(TimeSpan.FromMinutes(1)), cli.ToString());
        return cli;
    }

    private async Task<string> KeyAsync(string name)
    {
        var created = await CliAsync("keys", "create", name);
        Assert.True(created.ExitCode == 0, created.ToString());
        var key = Assert.Single(created.Stdout.Trim().Split('\n')).Trim();
        Assert.StartsWith("bck_", key, StringComparison.Ordinal);
        Assert.Contains("only its hash is stored", created.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(key, created.Stderr, StringComparison.Ordinal);
        return key;
    }

    private static HttpRequestMessage Get(string path, string? bearer = null, string? apiKey = null)
    {
        var message = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        if (apiKey is not null)
        {
            message.Headers.Add("X-Api-Key", apiKey);
        }
        return message;
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{(int)response.StatusCode}: '{body}'");
        return JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString()!;
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {body}");
            return JsonDocument.Parse(body).RootElement.Clone();
        }
    }

    private static string SecretOf(string key) => key[(BrewClip.Storage.ApiKeys.ApiKeySecret.Scheme.Length + 9)..];
}
