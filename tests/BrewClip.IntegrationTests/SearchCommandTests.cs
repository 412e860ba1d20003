using System.Text.Json;
using System.Text.RegularExpressions;
using BrewClip.Testing;
using Npgsql;

namespace BrewClip.IntegrationTests;

/// <summary>
/// Searching an index the real services built (Ingest -> Transcription -> AcousticEmbedding / ImageEmbedding, with the
/// fixture models): <c>brewclip search</c> with words, an audio clip, an image and more-like-this; <c>brewclip
/// embed</c> for SQL; the README's SQL examples run as written; bad queries refused with a reason.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed partial class SearchCommandTests() : IndexedFolderTests("search")
{
    [GeneratedRegex(@"```sql\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();

    [Fact]
    public async Task Words_clips_images_and_items_find_their_files_and_moments_by_cli_and_sql()
    {
        File.WriteAllText(Path.Combine(Made, "not-an-image.png"), "plain text, not a picture");
        async Task<ServiceProcess> CliAsync(params string[] args)
        {
            var cli = ServiceProcess.Start("BrewClip.Cli", Settings(ServiceProcess.FreePort()), null, args);
            Assert.True(await cli.WaitForExitAsync(TimeSpan.FromMinutes(2)), $"brewclip {string.Join(' ', args)} did not end.\n{cli}");
            return cli;
        }
        async Task<JsonElement> SearchJsonAsync(params string[] args)
        {
            var cli = await CliAsync(["search", .. args, "--json"]);
            Assert.True(cli.ExitCode == 0, $"brewclip search {string.Join(' ', args)} failed.\n{cli}");
            return JsonDocument.Parse(cli.Stdout).RootElement.Clone();
        }
        await IndexAsync();

        // Words said in a recording: it comes first, at its moment, with the words marked, and the version is named.
        var train = await CliAsync("search", "red train station", "--kind", "audio");
        Assert.True(train.ExitCode == 0, train.ToString());
        var lines = train.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("model version 0 · ", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^#\s+score\s+kind\s+file\s+moment\s+said$", lines[1]);
        Assert.Matches(@"^1\s+\d\.\d{4}\s+audio\s+inbox:train\.wav\s+0:00\.0-0:0\d\.\d\s+the \[red\] \[train\] leaves the \[station\] at noon$", lines[2]);

        // The typed sentence of a recording is its own vector at version 0 (CLIP's text embedding of its transcript).
        var cats = await SearchJsonAsync(Said["cats"], "--kind", "audio", "--text-weight", "0");
        Assert.Equal(0, cats.GetProperty("modelVersion").GetInt32());
        var top = cats.GetProperty("hits")[0];
        Assert.Equal(("inbox", "cats.wav", "audio"), (top.GetProperty("source").GetString(), top.GetProperty("key").GetString(), top.GetProperty("mediaKind").GetString()));
        Assert.True(top.GetProperty("similarity").GetDouble() > 0.999, cats.ToString());

        // An image that is a copy of an indexed one finds it, the same vector; then more like it leaves it out.
        var red = await SearchJsonAsync("--image", Path.Combine(Made, "red.png"), "--kind", "images");
        top = red.GetProperty("hits")[0];
        Assert.Equal(("red.png", "image"), (top.GetProperty("key").GetString(), top.GetProperty("type").GetString()));
        Assert.True(top.GetProperty("similarity").GetDouble() > 0.999, red.ToString());
        var redMedia = top.GetProperty("mediaId").GetInt64();
        var like = await SearchJsonAsync("--like", redMedia.ToString(System.Globalization.CultureInfo.InvariantCulture), "--kind", "images", "--k", "20");
        var likeKeys = like.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("key").GetString()).ToList();
        Assert.Equal(6, likeKeys.Count); // two stills and the video's four frames
        Assert.DoesNotContain("red.png", likeKeys);
        Assert.Equal(4, like.GetProperty("hits").EnumerateArray().Count(h => h.GetProperty("type").GetString() == "frame" && h.GetProperty("key").GetString() == "clip.mp4"));
        var videoOnly = await SearchJsonAsync("--like", redMedia.ToString(System.Globalization.CultureInfo.InvariantCulture), "--media-kind", "video");
        Assert.All(videoOnly.GetProperty("hits").EnumerateArray(), h => Assert.Equal("clip.mp4", h.GetProperty("key").GetString()));
        Assert.Contains(videoOnly.GetProperty("hits").EnumerateArray(), h => h.GetProperty("type").GetString() == "audio");

        // An audio clip goes the whole audio path: Whisper hears what it heard when indexing, so the recording's own vector is met.
        var clip = await SearchJsonAsync("--audio", Path.Combine(Made, "whisper.wav"), "--kind", "audio");
        var stored = await Db.ScalarAsync<string>("select t.text from brewclip.transcripts t join brewclip.recordings r on r.id = t.recording_id join brewclip.media_sources s on s.media_id = r.media_id where s.object_key = 'whisper.wav'");
        Assert.Equal(stored.Trim(), clip.GetProperty("transcript").GetString());
        var whisperHit = clip.GetProperty("hits").EnumerateArray().Single(h => h.GetProperty("key").GetString() == "whisper.wav");
        Assert.True(whisperHit.GetProperty("similarity").GetDouble() > 0.999, clip.ToString());

        // brewclip embed prints a pgvector literal SQL takes as is.
        var embed = await CliAsync("embed", "--text", Said["dog"]);
        Assert.True(embed.ExitCode == 0, embed.ToString());
        var vector = embed.Stdout.Trim();
        Assert.Matches(@"^\[-?\d[^\s]*(,-?\d[^\s,]*){511}\]$", vector);
        Assert.Equal("dog.wav", await ScalarAsync<string>("select object_key from brewclip.search_audio($1::vector, 1)", vector));

        // The README's SQL examples run as written, with :'v' the vector brewclip embed printed.
        var readme = File.ReadAllText(Path.Combine(TestSettings.RepositoryRoot, "README.md"));
        var section = readme[readme.IndexOf("## Query the index with SQL", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 5, StringComparison.Ordinal)];
        var statements = new List<string>();
        foreach (Match block in SqlBlock().Matches(section))
        {
            var statement = "";
            foreach (var line in block.Groups[1].Value.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal)))
            {
                statement += line + "\n";
                if (line.TrimEnd().EndsWith(';'))
                {
                    statements.Add(statement.Trim().TrimEnd(';'));
                    statement = "";
                }
            }
        }
        Assert.True(statements.Count >= 8, $"the README's SQL section has {statements.Count} statements");
        var returned = 0;
        foreach (var statement in statements)
        {
            await using var command = Db.DataSource.CreateCommand(statement.Replace(":'v'", "$1::vector", StringComparison.Ordinal));
            if (statement.Contains(":'v'", StringComparison.Ordinal))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = vector });
            }
            await using var reader = await command.ExecuteReaderAsync();
            returned += await reader.ReadAsync() ? 1 : 0;
        }
        Assert.True(returned >= statements.Count - 2, $"only {returned} of the README's {statements.Count} SQL examples returned rows");

        // Bad queries: exit 2 and what is wrong, in one line.
        foreach (var (args, message) in new (string[], string)[]
        {
            (["search", "  "], "the query text is empty"),
            (["search"], "say what to look for"),
            (["search", "dog", "--k", "0"], "k must be between 1 and 1000; got 0"),
            (["search", "--image", Path.Combine(Made, "not-an-image.png")], "not-an-image.png is not an image that can be read"),
            (["search", "--audio", Path.Combine(Made, "red.png")], "red.png is an image, not an audio clip or a video with sound; search with it with --image"),
            (["search", "--like", "987654"], "media 987654 does not exist"),
            (["search", "dog", "--image", Path.Combine(Made, "red.png")], "give one query at a time"),
            (["embed"], "say what to look for: words, an audio clip, an image (--text, --audio or --image)"),
        })
        {
            var refused = await CliAsync(args);
            Assert.True(refused.ExitCode == 2, $"brewclip {string.Join(' ', args)}: exit {refused.ExitCode}.\n{refused}");
            Assert.StartsWith("brewclip: " + message, refused.Stderr, StringComparison.Ordinal);
            Assert.Single(refused.Stderr.Trim().Split('\n'));
        }
    }

    private async Task<T> ScalarAsync<T>(string sql, string vector)
    {
        await using var command = Db.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = vector });
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
