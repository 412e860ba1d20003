using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using BrewClip.Testing;
using OpenQA.Selenium;

namespace BrewClip.IntegrationTests;

/// <summary>
/// A hit lands on the moment its words were said, the same in SQL, the CLI, HTTP and the page's player: a 74 s
/// recording whose sidecar says "the zebra crossed the road" at 0:42 (its second 30 s window), searched for "zebra".
/// The transcript is English, so "the" is a stop word that is neither matched nor marked.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class SearchMomentTests(Xunit.Abstractions.ITestOutputHelper output) : IndexedFolderTests("search-moment")
{
    [Fact]
    public async Task A_word_said_at_0_42_is_found_at_the_window_that_says_it_by_sql_cli_http_and_the_page()
    {
        LinkFixtureModels();
        TestMedia.Ffmpeg("-f", "lavfi", "-i", "sine=f=330:d=74", "-ar", "16000", Path.Combine(Made, "walk.wav"));
        File.WriteAllText(Path.Combine(Made, "walk.srt"), """
            1
            00:00:05,000 --> 00:00:09,000
            birds sing in the morning

            2
            00:00:42,000 --> 00:00:45,000
            the zebra crossed the road

            3
            00:01:05,000 --> 00:01:10,000
            and then it began to rain

            """);
        var english = new Dictionary<string, string> { ["BREWCLIP__Transcription__Language"] = "en" };
        foreach (var project in new[] { "BrewClip.Ingest", "BrewClip.Transcription", "BrewClip.AcousticEmbedding", "BrewClip.ImageEmbedding" })
        {
            await StartAsync(project, english);
        }
        File.Copy(Path.Combine(Made, "walk.srt"), Path.Combine(Inbox, "walk.srt"));
        File.Copy(Path.Combine(Made, "walk.wav"), Path.Combine(Inbox, "walk.wav"));
        await Eventually.UntilAsync(async () => await Db.ScalarAsync<long>("select count(*) from brewclip.recordings where stage = 'embedded'") == 1, "the walk to be indexed", Services);
        Assert.Equal("en", await Db.ScalarAsync<string>("select language from brewclip.transcripts"));

        // SQL.
        Assert.Equal("1|30|the [zebra] crossed the road", await Db.ScalarAsync<string>(
            "select segment_index || '|' || start_seconds || '|' || snippet from brewclip.search_audio(null, 5, 'zebra')"));

        // The CLI, words only and words with their vector (the hybrid search a person gets).
        var cli = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort(), english), null, "search", "zebra", "--kind", "audio", "--json");
        Assert.True(await cli.WaitForExitAsync(TimeSpan.FromMinutes(1)), cli.ToString());
        Assert.True(cli.ExitCode == 0, cli.ToString());
        var hit = JsonDocument.Parse(cli.Stdout).RootElement.GetProperty("hits")[0];
        Assert.Equal((30.0, 60.0, "the [zebra] crossed the road"), (hit.GetProperty("start").GetDouble(), hit.GetProperty("end").GetDouble(), hit.GetProperty("snippet").GetString()));

        // HTTP.
        var (search, port) = await StartAsync("BrewClip.Search", english);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var answer = await http.GetFromJsonAsync<JsonElement>("/api/search?q=zebra&kind=audio");
        var top = answer.GetProperty("hits")[0];
        Assert.Equal((30.0, "the [zebra] crossed the road"), (top.GetProperty("start").GetDouble(), top.GetProperty("snippet").GetString()));
        // "the" alone is a stop word in English: nothing matches it, and the vector search still answers.
        var stop = await http.GetFromJsonAsync<JsonElement>("/api/search?q=the&kind=audio");
        Assert.DoesNotContain("[the]", stop.GetProperty("hits")[0].GetProperty("snippet").GetString(), StringComparison.Ordinal);

        // The page: the player starts at 0:30, where the word is.
        using var browser = HeadlessBrowser.Start(1200, 900);
        var (driver, wait) = (browser.Driver, browser.Wait);
        driver.Navigate().GoToUrl($"http://127.0.0.1:{port}/?q=zebra&kind=audio");
        wait.Until(d => d.FindElements(By.CssSelector(".audio-hit")).Count > 0);
        var row = driver.FindElements(By.CssSelector(".audio-hit"))[0];
        Assert.Contains("0:30.0–1:00.0", row.Text, StringComparison.Ordinal);
        Assert.Equal(["zebra"], row.FindElements(By.TagName("mark")).Select(m => m.Text));
        wait.Until(_ => browser.True("const a = document.querySelector('.audio-hit audio'); return a.readyState >= 1 && Math.abs(a.currentTime - 30) < 0.05"));
        browser.Screenshot("search-moment");
        output.WriteLine(answer.ToString());
        Assert.False(search.HasExited, search.ToString());
    }
}
