namespace BrewClip.Media.Tests;

public sealed class MediaLimitsTests
{
    private static readonly MediaLimits Limits = new(10_000, 60, "Search:MaxQuerySeconds");

    [Fact]
    public void A_picture_over_the_pixel_limit_is_refused_naming_its_size_the_limit_and_the_setting()
    {
        Assert.Equal("the image is 200x120 = 24,000 pixels, over the limit of 10,000 (Ingest:MaxImagePixels)", Limits.Problem(MediaKind.Image, 200, 120, null));
        Assert.Equal("the video is 101x100 = 10,100 pixels, over the limit of 10,000 (Ingest:MaxImagePixels)", Limits.Problem(MediaKind.Video, 101, 100, 5));
        Assert.Null(Limits.Problem(MediaKind.Image, 100, 100, null));
        // Sides whose product overflows an int are still counted right.
        Assert.StartsWith("the image is 65535x65535 = 4,294,836,225 pixels", Limits.Problem(MediaKind.Image, 65535, 65535, null), StringComparison.Ordinal);
    }

    [Fact]
    public void A_timeline_over_the_duration_limit_is_refused_and_a_still_has_none()
    {
        Assert.Equal("the audio lasts 61 s, over the limit of 60 s (Search:MaxQuerySeconds)", Limits.Problem(MediaKind.Audio, null, null, 60.6));
        Assert.Null(Limits.Problem(MediaKind.Audio, null, null, 60));
        Assert.Null(Limits.Problem(MediaKind.Audio, null, null, null));
        Assert.Null(Limits.Problem(MediaKind.Image, 10, 10, 3600));
    }
}
