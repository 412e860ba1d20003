using System.Net;
using System.Text.Json;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// The bounds on one query's work and the errors people get, through the real Search service and CLI: a clip over
/// Search:MaxQuerySeconds and an image over Ingest:MaxImagePixels are refused from the probe (nothing decodes them),
/// content that is not media is 415 whatever its name, a video without sound 422, every error a problem document,
/// the query slots answer the excess 503 with Retry-After, and a client that goes stops the work (its ffmpeg is gone).
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class SearchLimitsTests(Xunit.Abstractions.ITestOutputHelper output) : IndexedFolderTests("search-limits")
{
    [Fact]
    public async Task Each_limit_and_error_answers_with_its_status_and_reason()
    {
        LinkFixtureModels();
        MakeMedia();
        var (search, port) = await StartAsync("BrewClip.Search", new()
        {
            ["BREWCLIP__Search__MaxQuerySeconds"] = "5",
            ["BREWCLIP__Ingest__MaxImagePixels"] = "10000",
            ["BREWCLIP__Search__MaxUploadMegabytes"] = "1",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };

        // Within the limits a clip is searched with.
        using (var fine = await http.PostAsync("/api/search", Upload("short.wav")))
        {
            Assert.True(fine.StatusCode == HttpStatusCode.OK, await fine.Content.ReadAsStringAsync());
        }
        foreach (var (request, status, detail) in new (Func<HttpRequestMessage>, HttpStatusCode, string)[]
        {
            (() => Post("long.wav"), HttpStatusCode.RequestEntityTooLarge, "long.wav: the audio lasts 12 s, over the limit of 5 s (Search:MaxQuerySeconds)"),
            (() => Post("long.opus"), HttpStatusCode.RequestEntityTooLarge, "long.opus: the audio lasts 12 s, over the limit of 5 s (Search:MaxQuerySeconds)"),
            (() => Post("sound.mp4"), HttpStatusCode.RequestEntityTooLarge, "sound.mp4: the video lasts 12 s, over the limit of 5 s (Search:MaxQuerySeconds)"),
            (() => Post("wide.png"), HttpStatusCode.RequestEntityTooLarge, "wide.png: the image is 200x120 = 24,000 pixels, over the limit of 10,000 (Ingest:MaxImagePixels)"),
            (() => new(HttpMethod.Post, "/api/search") { Content = new ByteArrayContent(new byte[3 * 1024 * 1024]) { Headers = { ContentType = new("multipart/form-data") } } },
                HttpStatusCode.RequestEntityTooLarge, "the file is larger than 1 MB (Search:MaxUploadMegabytes)"),
            (() => Post("noise.jpg"), HttpStatusCode.UnsupportedMediaType, "noise.jpg is not an "),
            (() => Post("noise.wav"), HttpStatusCode.UnsupportedMediaType, "noise.wav is not an "),
            (() => Post("notes.png"), HttpStatusCode.UnsupportedMediaType, "notes.png is not an "),
            (() => Post("silent.mp4"), HttpStatusCode.UnprocessableEntity, "silent.mp4: the video has no sound to search with"),
            (() => new(HttpMethod.Get, "/api/search?q=dog&since=someday"), HttpStatusCode.BadRequest,
                "since must be a date (2026-11-01), an ISO 8601 time (2026-11-01T12:00:00Z), now, today, yesterday, or a span back from now (30m, 12h, 7d, 2w); got 'someday'"),
            (() => new(HttpMethod.Get, "/api/media/abc"), HttpStatusCode.BadRequest, "a media id is a whole number; got 'abc'"),
            (() => new(HttpMethod.Get, "/api/images/1.5/content"), HttpStatusCode.BadRequest, "an image id is a whole number; got '1.5'"),
        })
        {
            using var message = request();
            using var response = await http.SendAsync(message);
            var problem = await ProblemAsync(response, message);
            Assert.True(response.StatusCode == status, $"{message.Method} {message.RequestUri}: {(int)response.StatusCode} {problem}");
            Assert.StartsWith(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        // Relative times are times: yesterday is a filter, not an error.
        using (var yesterday = await http.GetAsync("/api/search?q=dog&since=yesterday&until=now"))
        {
            Assert.True(yesterday.StatusCode == HttpStatusCode.OK, await yesterday.Content.ReadAsStringAsync());
        }
        // What no endpoint answers is a problem document too, not an empty body.
        foreach (var (method, path, status) in new[] { (HttpMethod.Get, "/api/nothing", HttpStatusCode.NotFound), (HttpMethod.Delete, "/api/search", HttpStatusCode.MethodNotAllowed) })
        {
            using var message = new HttpRequestMessage(method, path);
            using var response = await http.SendAsync(message);
            var problem = await ProblemAsync(response, message);
            Assert.Equal(status, response.StatusCode);
            Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()), problem.ToString());
        }

        // Refused from the probe: the log has the query's time and no decode; a query that ran has every stage.
        var log = search.Stdout.Split('\n');
        var refused = Assert.Single(log, l => l.Contains("Query long.opus: refused: long.opus: the audio lasts 12 s", StringComparison.Ordinal));
        Assert.Contains("(probe ", refused, StringComparison.Ordinal);
        Assert.DoesNotContain("decode", refused, StringComparison.Ordinal);
        var ran = Assert.Single(log, l => l.Contains("Query short.wav: ", StringComparison.Ordinal));
        foreach (var stage in new[] { "probe", "decode", "embed", "search" })
        {
            Assert.Contains($"{stage} ", ran, StringComparison.Ordinal);
        }
        output.WriteLine(string.Join('\n', log.Where(l => l.Contains("Query ", StringComparison.Ordinal))));

        // The CLI holds files to the same limits and says in one line what is wrong, never a type name or the help.
        foreach (var (args, message) in new[]
        {
            (new[] { "search", "--audio", Path.Combine(Made, "long.opus") }, "long.opus: the audio lasts 12 s, over the limit of 5 s (Search:MaxQuerySeconds)"),
            (["search", "--image", Path.Combine(Made, "wide.png")], "wide.png: the image is 200x120 = 24,000 pixels, over the limit of 10,000 (Ingest:MaxImagePixels)"),
            (["search", "--image", Path.Combine(Made, "short.wav")], "short.wav is an audio clip, not an image; search with it with --audio"),
            (["search", "--image", Path.Combine(Made, "sound.mp4")], "sound.mp4 is a video (search with its sound as audio), not an image; search with its sound with --audio"),
            (["search", "--audio", Path.Combine(Made, "tiny.png")], "tiny.png is an image, not an audio clip or a video with sound; search with it with --image"),
            (["search", "--audio", Path.Combine(Made, "silent.mp4")], "silent.mp4: the video has no sound to search with"),
            (["embed", "--image", Path.Combine(Made, "noise.jpg")], "noise.jpg is not an "),
            (["search", "dog", "--since", "someday"], "--since must be a date (2026-11-01), an ISO 8601 time"),
            (["search", "dog", "--until", "12/01/2026"], "--until must be a date (2026-11-01)"),
            (["search", "dog", "--k", "ten"], "Cannot parse argument 'ten' for option '--k' as a whole number (`brewclip search --help` lists what it takes)"),
        })
        {
            var cli = await ServiceProcess.RunAsync("BrewClip.Cli", Settings(ServiceProcess.FreePort(), new()
            {
                ["BREWCLIP__Search__MaxQuerySeconds"] = "5",
                ["BREWCLIP__Ingest__MaxImagePixels"] = "10000",
            }), args);
            Assert.True(cli.ExitCode == 2, $"brewclip {string.Join(' ', args)}: exit {cli.ExitCode}.\n{cli}");
            Assert.StartsWith("brewclip: " + message, cli.Stderr, StringComparison.Ordinal);
            Assert.Single(cli.Stderr.Trim().Split('\n'));
        }
        var since = await ServiceProcess.RunAsync("BrewClip.Cli", Settings(ServiceProcess.FreePort()), "search", "dog", "--since", "yesterday", "--until", "2099-01-01");
        Assert.True(since.ExitCode == 0, since.ToString());
        Assert.False(search.HasExited, search.ToString());
    }

    [Fact]
    public async Task Busy_slots_answer_503_with_retry_after_and_a_client_that_goes_stops_its_ffmpeg()
    {
        LinkFixtureModels();
        // A picture that takes ffmpeg a second or two to decode, allowed here so that its query is slow.
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=c=red:size=12000x12000", "-frames:v", "1", Path.Combine(Made, "huge.png"));
        var (search, port) = await StartAsync("BrewClip.Search", new()
        {
            ["BREWCLIP__Ingest__MaxImagePixels"] = "200000000",
            ["BREWCLIP__Search__MaxConcurrentQueries"] = "1",
            ["BREWCLIP__Search__QueueSeconds"] = "0",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };

        using var gone = new CancellationTokenSource();
        var upload = http.PostAsync("/api/search", Upload("huge.png"), gone.Token);
        // The slow query holds the only slot while its ffmpeg runs.
        var ffmpeg = await Eventually.ForAsync(() => FfmpegOf(search.ProcessId).FirstOrDefault(), "the upload's ffmpeg to start", search);
        using (var busy = await http.GetAsync("/api/search?q=dog"))
        {
            var problem = await ProblemAsync(busy, busy.RequestMessage!);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
            Assert.Equal("2", busy.Headers.GetValues("Retry-After").Single());
            Assert.StartsWith("every query slot is busy (Search:MaxConcurrentQueries)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // The client goes: its ffmpeg is stopped, the query ends as cancelled, and the slot is free again.
        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);
        await Eventually.ForAsync(() => Directory.Exists(ffmpeg) ? null : "gone", $"ffmpeg ({ffmpeg}) to be stopped", search);
        var line = await Eventually.ForAsync(() => search.Stdout.Split('\n').FirstOrDefault(l => l.Contains("Query huge.png: ", StringComparison.Ordinal)), "the query's log line", search);
        Assert.Contains("cancelled: the client went away during decode", line, StringComparison.Ordinal);
        output.WriteLine(line);
        using (var free = await http.GetAsync("/api/search?q=dog"))
        {
            Assert.True(free.StatusCode == HttpStatusCode.OK, await free.Content.ReadAsStringAsync());
        }
        Assert.False(search.HasExited, search.ToString());
    }

    private void MakeMedia()
    {
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=2", "-ar", "16000", Path.Combine(Made, "short.wav"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=12", "-ar", "16000", Path.Combine(Made, "long.wav"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "sine=f=440:d=12", "-c:a", "libopus", Path.Combine(Made, "long.opus"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x48:d=12", "-f", "lavfi", "-i", "sine=d=12", "-shortest", "-pix_fmt", "yuv420p", Path.Combine(Made, "sound.mp4"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x48:d=1", "-pix_fmt", "yuv420p", Path.Combine(Made, "silent.mp4"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=200x120", "-frames:v", "1", Path.Combine(Made, "wide.png"));
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=64x48", "-frames:v", "1", Path.Combine(Made, "tiny.png"));
        var noise = new byte[64 * 1024];
        new Random(7).NextBytes(noise);
        File.WriteAllBytes(Path.Combine(Made, "noise.jpg"), noise);
        File.WriteAllBytes(Path.Combine(Made, "noise.wav"), noise);
        File.WriteAllText(Path.Combine(Made, "notes.png"), "plain text with an image's name");
    }

    private HttpRequestMessage Post(string name) => new(HttpMethod.Post, "/api/search") { Content = Upload(name) };

    private MultipartFormDataContent Upload(string name)
        => new() { { new ByteArrayContent(File.ReadAllBytes(Path.Combine(Made, name))), "file", name } };

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpRequestMessage request)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"{request.Method} {request.RequestUri}: {(int)response.StatusCode} is not a problem document: {response.Content.Headers.ContentType} '{body}'");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The ids of the ffmpeg processes below <paramref name="parent"/> that read an upload.</summary>
    private static IEnumerable<string> FfmpegOf(int parent)
    {
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out _))
            {
                continue;
            }
            string stat, command;
            try
            {
                stat = File.ReadAllText(Path.Combine(folder, "stat"));
                command = File.ReadAllText(Path.Combine(folder, "cmdline"));
            }
            catch (IOException)
            {
                continue; // ended while being read
            }
            // stat: "pid (comm) state ppid ..."; comm may hold spaces, so the fields after its closing parenthesis are read.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == parent && command.Contains("brewclip-upload-", StringComparison.Ordinal)
                && (command.StartsWith("ffmpeg\0", StringComparison.Ordinal) || command.Contains("/ffmpeg\0", StringComparison.Ordinal)))
            {
                yield return folder;
            }
        }
    }
}
