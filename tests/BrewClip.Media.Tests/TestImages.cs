using System.Buffers.Binary;
using System.Diagnostics;

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

    /// <summary>A JPEG with an APP1 EXIF segment carrying an orientation tag inserted after SOI.</summary>
    public static byte[] WithJpegOrientation(byte[] jpeg, int orientation, bool bigEndian = false)
    {
        var app1 = new List<byte> { 0xFF, 0xE1, 0, 0 };
        app1.AddRange("Exif\0\0"u8.ToArray());
        app1.AddRange(Tiff(orientation, bigEndian));
        BinaryPrimitives.WriteUInt16BigEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(app1)[2..], (ushort)(app1.Count - 2));
        return [.. jpeg[..2], .. app1, .. jpeg[2..]];
    }

    /// <summary>A minimal TIFF structure: header and IFD0 with one Orientation (0x0112) SHORT entry.</summary>
    public static byte[] Tiff(int orientation, bool bigEndian)
    {
        var tiff = new byte[8 + 2 + 12 + 4];
        void U16(int at, int v) { if (bigEndian) { BinaryPrimitives.WriteUInt16BigEndian(tiff.AsSpan(at), (ushort)v); } else { BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(at), (ushort)v); } }
        void U32(int at, int v) { if (bigEndian) { BinaryPrimitives.WriteUInt32BigEndian(tiff.AsSpan(at), (uint)v); } else { BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(at), (uint)v); } }
        tiff[0] = tiff[1] = (byte)(bigEndian ? 'M' : 'I');
        U16(2, 42);
        U32(4, 8);
        U16(8, 1);
        U16(10, 0x0112);
        U16(12, 3);
        U32(14, 1);
        U16(18, orientation);
        return tiff;
    }

    private static void Ffmpeg(string[] arguments)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-y" }.Concat(arguments))
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg {string.Join(' ', arguments)}: {errors}");
    }
}
