using BrewClip.Testing;

namespace BrewClip.Media.Tests;

public sealed class MediaProbeTests
{
    [Theory]
    [InlineData("still.png", MediaKind.Image, new[] { "-f", "lavfi", "-i", "color=c=red:s=64x48", "-frames:v", "1" })]
    [InlineData("anim.gif", MediaKind.Image, new[] { "-f", "lavfi", "-i", "testsrc=s=32x32:d=0.3", "-r", "10" })]
    [InlineData("pattern.ppm", MediaKind.Image, new[] { "-f", "lavfi", "-i", "testsrc=s=48x36:d=1", "-frames:v", "1" })]
    [InlineData("pattern.ico", MediaKind.Image, new[] { "-f", "lavfi", "-i", "testsrc=s=48x36:d=1", "-frames:v", "1" })]
    [InlineData("pattern.j2k", MediaKind.Image, new[] { "-f", "lavfi", "-i", "testsrc=s=48x36:d=1", "-frames:v", "1" })]
    [InlineData("pattern.qoi", MediaKind.Image, new[] { "-f", "lavfi", "-i", "testsrc=s=48x36:d=1", "-frames:v", "1" })]
    [InlineData("pattern.pcx", MediaKind.Image, new[] { "-f", "lavfi", "-i", "testsrc=s=48x36:d=1", "-frames:v", "1" })]
    [InlineData("clip.mp4", MediaKind.Video, new[] { "-f", "lavfi", "-i", "testsrc=s=64x48:d=1", "-f", "lavfi", "-i", "sine=d=1", "-shortest", "-pix_fmt", "yuv420p" })]
    [InlineData("voice.webm", MediaKind.Audio, new[] { "-f", "lavfi", "-i", "sine=d=1", "-c:a", "libopus" })]
    public async Task Kind_follows_the_streams_not_the_name(string name, MediaKind expected, string[] arguments)
    {
        var folder = Directory.CreateTempSubdirectory("brewclip-probe-").FullName;
        try
        {
            var bare = TestMedia.FfmpegWithoutExtension(folder, name, arguments);
            var probed = await new MediaProbe(new ToolRunner(new MediaToolOptions())).ProbeAsync(bare);
            Assert.Equal(expected, probed.Classify(out var reason));
            Assert.Null(reason);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task An_mp3_with_album_art_is_audio()
    {
        var folder = Directory.CreateTempSubdirectory("brewclip-probe-").FullName;
        try
        {
            var cover = Path.Combine(folder, "cover.png");
            var song = Path.Combine(folder, "song.mp3");
            TestMedia.Ffmpeg("-f", "lavfi", "-i", "color=c=blue:s=32x32", "-frames:v", "1", cover);
            TestMedia.Ffmpeg("-f", "lavfi", "-i", "sine=d=1", "-i", cover, "-map", "0", "-map", "1", "-c:v", "mjpeg", "-disposition:v", "attached_pic", song);
            var probed = await new MediaProbe(new ToolRunner(new MediaToolOptions())).ProbeAsync(song);
            Assert.Equal(MediaKind.Audio, probed.Classify(out _));
            Assert.Null(probed.VideoCodec);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("matroska,webm", null, false, "png", MediaKind.Image)]      // one picture, whatever the container
    [InlineData("svg_pipe", null, false, "svg", MediaKind.Image)]
    [InlineData("image2", null, false, "targa", MediaKind.Image)]
    [InlineData("gif", 1.5, false, "gif", MediaKind.Image)]                 // an animation: its first frame
    [InlineData("h264", null, false, "h264", MediaKind.Video)]              // a raw stream has no duration either
    [InlineData("avi", 3.0, false, "mjpeg", MediaKind.Video)]               // motion JPEG over time
    [InlineData("mov,mp4,m4a,3gp,3g2,mj2", null, true, "png", MediaKind.Video)]
    public void A_picture_stream_without_sound_and_timeline_is_an_image(string format, double? duration, bool audio, string codec, MediaKind expected)
        => Assert.Equal(expected, new ProbeResult(format, duration, audio, codec, 8, 8).Classify(out _));

    [Fact]
    public void A_file_without_audio_or_pictures_is_no_kind_with_a_reason()
    {
        var probed = new ProbeResult("srt", null, HasAudio: false, VideoCodec: null, Width: null, Height: null);
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
