
namespace BrewClip.Media.Tests;

public sealed class SidecarTranscriptTests
{
    [Fact]
    public void Plain_text_is_kept_with_its_whitespace_folded()
    {
        var transcript = SidecarTranscript.Parse("dog.txt", "\uFEFFA dog runs\r\non the  grass.\n");
        Assert.Equal("A dog runs on the grass.", transcript.Text);
        Assert.Empty(transcript.Cues);
    }

    [Fact]
    public void SubRip_cues_keep_their_times_and_lose_their_tags()
    {
        const string srt = "1\r\n00:00:01,500 --> 00:00:03,250\r\nA <i>dog</i> runs\r\non the grass.\r\n\r\n2\r\n01:00:04,000 --> 01:00:05,000\r\n{\\an8}Tom &amp; Jerry\r\n";
        var transcript = SidecarTranscript.Parse("dog.srt", srt);
        Assert.Equal([new TranscriptCue(1.5, 3.25, "A dog runs on the grass."), new TranscriptCue(3604, 3605, "Tom & Jerry")], transcript.Cues);
        Assert.Equal("A dog runs on the grass. Tom & Jerry", transcript.Text);
        Assert.Equal("""[{"start":1.5,"end":3.25,"text":"A dog runs on the grass."},{"start":3604,"end":3605,"text":"Tom & Jerry"}]""", transcript.CuesJson());
    }

    [Fact]
    public void WebVtt_skips_its_header_notes_and_cue_ids_and_reads_short_timestamps()
    {
        const string vtt = "WEBVTT - spoken\n\nNOTE made by hand\n\nintro\n00:02.000 --> 00:04.500 align:start\n<v Ann>Two cats sleep\n\n00:00:05.000 --> 00:00:06.000\non a warm windowsill\n";
        var transcript = SidecarTranscript.Parse("cats.VTT", vtt);
        Assert.Equal([new TranscriptCue(2, 4.5, "Two cats sleep"), new TranscriptCue(5, 6, "on a warm windowsill")], transcript.Cues);
    }

    [Theory]
    [InlineData("empty.txt", "  \n ")]
    [InlineData("none.srt", "1\n\n")]
    [InlineData("bad.srt", "1\n00:00:01 --> soon\nhello\n")]
    [InlineData("notes.doc", "hello")]
    public void Unusable_transcripts_are_refused_with_a_reason(string name, string content)
    {
        var error = Assert.Throws<MediaException>(() => SidecarTranscript.Parse(name, content));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }
}
