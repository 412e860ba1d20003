using BrewClip.Ingest;

namespace BrewClip.Services.Tests;

public sealed class ObjectNamesTests
{
    [Theory]
    [InlineData("talk.wav")]
    [InlineData("a/b/photo.PNG")]
    [InlineData("clip.mp4")]
    [InlineData("no-extension")]
    [InlineData("pairs.csv")]
    [InlineData("deep/folder/PAIRS.CSV")]
    public void Media_and_pair_lists_are_read(string key) => Assert.Null(ObjectNames.SkipReason(key));

    [Theory]
    [InlineData(".DS_Store", "a hidden file")]
    [InlineData("trip/.hidden.wav", "a hidden file")]
    [InlineData("folder/", "a hidden file")]
    [InlineData("talk.wav.part", "a partial download or temporary file (.part; read once renamed into place)")]
    [InlineData("video.mp4.CRDOWNLOAD", "a partial download or temporary file (.crdownload; read once renamed into place)")]
    [InlineData("x/.talk.wav.swp", "a hidden file")]
    [InlineData("notes.txt", "not media by its name (.txt)")]
    [InlineData("talk.srt", "not media by its name (.srt)")]
    [InlineData("talk.VTT", "not media by its name (.vtt)")]
    [InlineData("labels.csv", "not media by its name (.csv)")]
    public void Names_that_are_not_media_say_why(string key, string reason)
    {
        Assert.Equal(reason, ObjectNames.SkipReason(key));
        Assert.True(ObjectNames.Skipped(key));
    }

    [Theory]
    [InlineData("talk.txt", true)]
    [InlineData("a/talk.srt", true)]
    [InlineData("talk.vtt", true)]
    [InlineData(".talk.txt", false)]
    [InlineData("talk.wav", false)]
    [InlineData("pairs.csv", false)]
    public void Sidecars_are_transcripts_that_are_not_hidden(string key, bool sidecar) => Assert.Equal(sidecar, ObjectNames.IsSidecar(key));
}
