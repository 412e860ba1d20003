using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BrewClip.Testing;
using OpenQA.Selenium;

namespace BrewClip.IntegrationTests;

/// <summary>
/// The Search service over an index the real services built: its HTTP API (words, files, more-like-this, media,
/// content with Range, OpenAPI, 4xx with reasons) and its page in a real headless Chromium, whose screenshot is kept
/// under TestResults/screenshots.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class SearchServiceTests(Xunit.Abstractions.ITestOutputHelper output) : IndexedFolderTests("search-http")
{
    [Fact]
    public async Task The_api_and_the_page_find_files_and_moments_serve_content_and_refuse_bad_requests_with_a_reason()
    {
        await IndexAsync();
        File.WriteAllText(Path.Combine(Made, "notes.txt"), "plain text, not media");
        var (search, port) = await StartAsync("BrewClip.Search", new() { ["BREWCLIP__Search__MaxUploadMegabytes"] = "1" });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };
        // On loopback alone, keys are off unless asked for, and the service says so.
        Assert.Contains("API keys are not required: listening on loopback only", search.Stdout, StringComparison.Ordinal);

        // Words: the recording that says them, at its moment, the words marked; the version and the time taken.
        var words = await JsonAsync(await http.GetAsync("/api/search?q=red%20train%20station&kind=audio"));
        Assert.Equal(0, words.GetProperty("modelVersion").GetInt32());
        var top = words.GetProperty("hits")[0];
        Assert.Equal(("inbox", "train.wav", 0.0), (top.GetProperty("source").GetString(), top.GetProperty("key").GetString(), top.GetProperty("start").GetDouble()));
        Assert.Equal("the [red] [train] leaves the [station] at noon", top.GetProperty("snippet").GetString());
        Assert.True(words.GetProperty("timings").GetProperty("totalMs").GetDouble() > 0);
        var trainMedia = top.GetProperty("mediaId").GetInt64();
        Assert.Equal($"/api/media/{trainMedia}/content", top.GetProperty("contentUrl").GetString());

        // A file: an image finds its copy in the index, an audio clip goes the whole audio path.
        var red = await JsonAsync(await http.PostAsync("/api/search?kind=images", Upload(Path.Combine(Made, "red.png"))));
        top = red.GetProperty("hits")[0];
        Assert.Equal(("red.png", "red.png"), (red.GetProperty("query").GetString(), top.GetProperty("key").GetString()));
        Assert.True(top.GetProperty("similarity").GetDouble() > 0.999, red.ToString());
        var clip = await JsonAsync(await http.PostAsync("/api/search", Upload(Path.Combine(Made, "whisper.wav"), ("kind", "audio"))));
        Assert.False(string.IsNullOrEmpty(clip.GetProperty("transcript").GetString()), clip.ToString());
        Assert.Contains(clip.GetProperty("hits").EnumerateArray(), h => h.GetProperty("key").GetString() == "whisper.wav" && h.GetProperty("similarity").GetDouble() > 0.999);
        var like = await JsonAsync(await http.GetAsync($"/api/search?like={top.GetProperty("mediaId").GetInt64()}&kind=images&k=20"));
        Assert.Equal(6, like.GetProperty("hits").GetArrayLength());

        // The item, and its stored content: a Range request gets exactly those bytes of the WAV.
        var media = await JsonAsync(await http.GetAsync($"/api/media/{trainMedia}"));
        Assert.Equal("train.wav", media.GetProperty("places")[0].GetProperty("key").GetString());
        Assert.Equal(Said["train"], media.GetProperty("recording").GetProperty("transcript").GetString()!.Trim());
        var pcm = await Db.ScalarAsync<string>($"select pcm_uri from brewclip.recordings where media_id = {trainMedia}");
        var bytes = await File.ReadAllBytesAsync(new Uri(pcm).LocalPath);
        using (var range = new HttpRequestMessage(HttpMethod.Get, $"/api/media/{trainMedia}/content") { Headers = { Range = new RangeHeaderValue(100, 199) } })
        using (var partial = await http.SendAsync(range))
        {
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal($"bytes 100-199/{bytes.Length}", partial.Content.Headers.ContentRange!.ToString());
            Assert.Equal("audio/wav", partial.Content.Headers.ContentType!.MediaType);
            Assert.Equal(bytes[100..200], await partial.Content.ReadAsByteArrayAsync());
        }
        using (var image = await http.GetAsync(red.GetProperty("hits")[0].GetProperty("contentUrl").GetString()))
        {
            Assert.Equal("image/png", image.Content.Headers.ContentType!.MediaType);
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, (await image.Content.ReadAsByteArrayAsync())[..4]);
        }
        var openApi = await http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"/api/search\"", openApi, StringComparison.Ordinal);
        Assert.Contains("\"/api/media/{id}/content\"", openApi, StringComparison.Ordinal);

        // Bad requests: the status that fits and a detail saying what is wrong.
        foreach (var (request, status, detail) in new (Func<HttpRequestMessage>, HttpStatusCode, string)[]
        {
            (() => new(HttpMethod.Get, "/api/search"), HttpStatusCode.BadRequest, "say what to look for: q (words) or like (a media id)"),
            (() => new(HttpMethod.Get, "/api/search?q=%20%20"), HttpStatusCode.BadRequest, "the query text (q) is empty; type what to look for"),
            (() => new(HttpMethod.Get, "/api/search?q=dog&k=0"), HttpStatusCode.BadRequest, "k must be between 1 and 1000; got 0"),
            (() => new(HttpMethod.Get, "/api/search?q=dog&k=ten"), HttpStatusCode.BadRequest, "k must be a whole number between 1 and 1000; got 'ten'"),
            (() => new(HttpMethod.Get, "/api/search?q=dog&kind=video"), HttpStatusCode.BadRequest, "kind must be images, audio or all; got 'video'"),
            (() => new(HttpMethod.Get, "/api/search?q=dog&since=someday"), HttpStatusCode.BadRequest, "since must be a date (2026-11-01)"),
            (() => new(HttpMethod.Get, "/api/search?q=dog&like=3"), HttpStatusCode.BadRequest, "give q or like, not both"),
            (() => new(HttpMethod.Get, "/api/search?like=987654"), HttpStatusCode.NotFound, "media 987654 does not exist"),
            (() => new(HttpMethod.Get, "/api/media/987654"), HttpStatusCode.NotFound, "media 987654 does not exist"),
            (() => new(HttpMethod.Get, "/api/images/987654/content"), HttpStatusCode.NotFound, "image 987654 does not exist"),
            (() => new(HttpMethod.Post, "/api/search") { Content = Upload(Path.Combine(Made, "notes.txt")) }, HttpStatusCode.UnsupportedMediaType, "notes.txt is not an audio clip, image or video that can be read"),
            (() => new(HttpMethod.Post, "/api/search") { Content = new MultipartFormDataContent { { new StringContent("audio"), "kind" } } }, HttpStatusCode.BadRequest, "no file"),
            (() => new(HttpMethod.Post, "/api/search") { Content = new ByteArrayContent(new byte[3 * 1024 * 1024]) { Headers = { ContentType = new("application/octet-stream") } } },
                HttpStatusCode.RequestEntityTooLarge, "the file is larger than 1 MB (Search:MaxUploadMegabytes)"),
        })
        {
            using var message = request();
            using var response = await http.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{message.Method} {message.RequestUri}: {(int)response.StatusCode} {body}");
            using var problem = JsonDocument.Parse(body);
            Assert.StartsWith(detail, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // The page, in a real browser: words typed, results shown with the version and time; a file chosen; an error said.
        using var browser = HeadlessBrowser.Start();
        var (driver, wait) = (browser.Driver, browser.Wait);
        driver.Navigate().GoToUrl($"http://127.0.0.1:{port}/");
        driver.FindElement(By.Id("q")).SendKeys("red train station" + Keys.Enter);
        wait.Until(d => d.FindElements(By.CssSelector(".hit")).Count > 0);
        Assert.Contains("model version 0", driver.FindElement(By.Id("status")).Text, StringComparison.Ordinal);
        var first = driver.FindElements(By.CssSelector(".audio-hit"))[0];
        Assert.Contains("inbox:train.wav", first.Text, StringComparison.Ordinal);
        Assert.Equal(["red", "train", "station"], first.FindElements(By.TagName("mark")).Select(m => m.Text));
        Assert.EndsWith($"/api/media/{trainMedia}/content#t=0", first.FindElement(By.TagName("audio")).GetAttribute("src"), StringComparison.Ordinal);
        // Thumbnails are the stored images, loaded.
        wait.Until(_ => browser.True("return [...document.querySelectorAll('.image-hit img')].length > 0 && [...document.querySelectorAll('.image-hit img')].every(i => i.complete && i.naturalWidth > 0)"));
        var shot = browser.Screenshot("search-page");
        output.WriteLine($"screenshot: {shot}");
        Assert.True(new FileInfo(shot).Length > 10_000);

        // Every hit offers "more like this" and "details".
        Assert.All(driver.FindElements(By.CssSelector(".hit")), hit =>
            Assert.Equal(["more like this", "details"], hit.FindElements(By.CssSelector(".actions button")).Select(b => b.Text)));
        // Details: where the file was seen and what was said, with times.
        first.FindElement(By.CssSelector("button.details")).Click();
        wait.Until(d => d.FindElement(By.Id("details")).Displayed);
        Assert.Equal("inbox:train.wav", driver.FindElement(By.Id("details-title")).Text);
        Assert.StartsWith("inbox:train.wav (seen ", driver.FindElement(By.CssSelector("#details-places li")).Text, StringComparison.Ordinal);
        var segment = driver.FindElement(By.CssSelector("#details-segments li.segment"));
        Assert.StartsWith("0:00.0–", segment.Text, StringComparison.Ordinal);
        Assert.Contains(Said["train"], segment.Text, StringComparison.Ordinal);
        browser.Screenshot("search-details");
        driver.FindElement(By.Id("details-close")).Click();
        wait.Until(d => !d.FindElement(By.Id("details")).Displayed);

        // A video's frames: shown at the frame's time with the video's sound from that moment; its details list the frames.
        driver.Navigate().GoToUrl($"http://127.0.0.1:{port}/?q=test%20pattern&kind=images");
        wait.Until(d => d.FindElements(By.CssSelector(".frame-hit")).Count > 0);
        var frame = driver.FindElements(By.CssSelector(".frame-hit"))[0];
        var frameTime = double.Parse(frame.FindElement(By.TagName("audio")).GetAttribute("data-start")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(frameTime > 0, frame.Text);
        Assert.Contains("inbox:clip.mp4", frame.Text, StringComparison.Ordinal);
        Assert.Contains("frame at 0:0", frame.Text, StringComparison.Ordinal);
        wait.Until(_ => browser.True("const a = document.querySelector('.frame-hit audio'); return a.readyState >= 1 && Math.abs(a.currentTime - Number(a.dataset.start)) < 0.05"));
        frame.FindElement(By.CssSelector("button.details")).Click();
        wait.Until(d => d.FindElement(By.Id("details")).Displayed);
        Assert.Equal(4, driver.FindElements(By.CssSelector("#details-frames img")).Count);
        wait.Until(_ => browser.True("return [...document.querySelectorAll('#details-frames img')].every(i => i.complete && i.naturalWidth > 0)"));
        driver.FindElement(By.Id("details-close")).Click();

        // More like this: the item's own vector, the item itself left out, the version and time said.
        var redHit = driver.FindElements(By.CssSelector(".image-hit")).First(h => h.Text.Contains("inbox:red.png", StringComparison.Ordinal));
        redHit.FindElement(By.CssSelector("button.more")).Click();
        wait.Until(d => d.FindElement(By.Id("status")).Text.Contains("for “like media ", StringComparison.Ordinal));
        Assert.Contains(" · model version 0 · ", driver.FindElement(By.Id("status")).Text, StringComparison.Ordinal);
        Assert.DoesNotContain(driver.FindElements(By.CssSelector(".image-hit")), h => h.Text.Contains("inbox:red.png", StringComparison.Ordinal));
        browser.Screenshot("search-more-like-this");

        driver.FindElement(By.Id("file")).SendKeys(Path.Combine(Made, "red.png"));
        wait.Until(d => d.FindElement(By.Id("status")).Text.Contains("“red.png”", StringComparison.Ordinal));
        Assert.Contains("inbox:red.png", driver.FindElements(By.CssSelector(".image-hit"))[0].Text, StringComparison.Ordinal);

        driver.FindElement(By.Id("q")).Clear();
        driver.FindElement(By.Id("q")).SendKeys("   " + Keys.Enter);
        wait.Until(d => d.FindElement(By.Id("error")).Text.Length > 0);
        Assert.Equal("the query text (q) is empty; type what to look for", driver.FindElement(By.Id("error")).Text);
        Assert.False(search.HasExited, search.ToString());
    }

    private static MultipartFormDataContent Upload(string path, params (string Name, string Value)[] fields)
    {
        var content = new MultipartFormDataContent { { new ByteArrayContent(File.ReadAllBytes(path)), "file", Path.GetFileName(path) } };
        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }
        return content;
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
}
