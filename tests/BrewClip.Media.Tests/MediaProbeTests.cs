using BrewClip.Media;
using BrewClip.Testing;

namespace BrewClip.Media.Tests;

public sealed class MediaProbeTests
{
    [Theory]
    [InlineData("""{"streams":[{"codec_type":"video","codec_name":"png","width":64,"height":48}],"format":{"format_name":"png_pipe"}}""", MediaKind.Image)]
    [InlineData("""{"streams":[{"codec_type":"video","codec_name":"gif","width":8,"height":8}],"format":{"format_name":"gif","duration":"0.1"}}""", MediaKind.Image)]
    [InlineData("""{"streams":[{"codec_type":"video","codec_name":"h264"},{"codec_type":"audio"}],"format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"2.000000"}}""", MediaKind.Video)]
    [InlineData("""{"streams":[{"codec_type":"audio","codec_name":"opus"}],"format":{"format_name":"matroska,webm","duration":"3.5"}}""", MediaKind.Audio)]
    [InlineData("""{"streams":[{"codec_type":"audio","codec_name":"mp3"},{"codec_type":"video","codec_name":"mjpeg","disposition":{"attached_pic":1}}],"format":{"format_name":"mp3"}}""", MediaKind.Audio)]
    public void Kind_follows_the_streams_not_the_name(string json, MediaKind expected)
    {
        Assert.Equal(expected, ProbeResult.Parse(System.Text.Encoding.UTF8.GetBytes(json)).Classify(out var reason));
        Assert.Null(reason);
    }

    [Fact]
    public void A_file_without_audio_or_pictures_is_no_kind_with_a_reason()
    {
        var probed = ProbeResult.Parse("""{"streams":[{"codec_type":"subtitle"}],"format":{"format_name":"srt"}}"""u8);
        Assert.Null(probed.Classify(out var reason));
        Assert.Equal("the file (srt) has no audio, image or video stream", reason);
    }

    [Fact]
    public async Task Real_files_are_probed_with_duration_and_size()
    {
        var folder = Directory.CreateTempSubdirectory("brewclip-probe-").FullName;
        try
        {
            var video = Path.Combine(folder, "clip.mkv");
            TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=s=64x48:d=2", "-f", "lavfi", "-i", "sine=d=2", "-shortest", video);
            var probe = new MediaProbe(new ToolRunner(new MediaToolOptions()));
            var result = await probe.ProbeAsync(video);
            Assert.Equal(MediaKind.Video, result.Classify(out _));
            Assert.True(result.HasAudio);
            Assert.Equal((64, 48), (result.Width, result.Height));
            Assert.Equal(2.0, result.DurationSeconds!.Value, 1);

            var text = Path.Combine(folder, "letter");
            File.WriteAllText(text, "not media");
            var error = await Assert.ThrowsAsync<MediaException>(() => probe.ProbeAsync(text));
            Assert.StartsWith("not a media file ffprobe can read (", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(folder, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
