using BrewClip.Testing;

namespace BrewClip.Media.Tests;

/// <summary>Images made by ffmpeg for the tests, in a folder of their own.</summary>
internal sealed class TestImages : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("brewclip-images-").FullName;

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    /// <summary>A width x height image whose left half is red and right half blue.</summary>
    public string RedBlue(string name, int width, int height, params string[] outputOptions)
    {
        var path = Path.Combine(Folder, name);
        var half = width / 2;
        Ffmpeg(["-f", "lavfi", "-i", $"color=c=red:s={half}x{height}", "-f", "lavfi", "-i", $"color=c=blue:s={width - half}x{height}",
            "-filter_complex", "[0:v][1:v]hstack", "-frames:v", "1", .. outputOptions, path]);
        return path;
    }

    /// <summary>An animated GIF whose first frame is red and second green.</summary>
    public string RedThenGreenGif(string name)
    {
        var path = Path.Combine(Folder, name);
        Ffmpeg(["-f", "lavfi", "-i", "color=c=red:s=64x64:d=1:r=1", "-f", "lavfi", "-i", "color=c=green:s=64x64:d=1:r=1",
            "-filter_complex", "[0:v][1:v]concat=n=2:v=1", path]);
        return path;
    }

    public string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static void Ffmpeg(string[] arguments) => TestMedia.Ffmpeg(arguments);
}
