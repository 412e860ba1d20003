namespace BrewClip.Media;

/// <summary>One image of a batch: its RGB pixels (row-major, 3 bytes a pixel), or why it could not be decoded.</summary>
public sealed record DecodedImage(string Path, byte[]? Rgb, string? Error)
{
    public bool Succeeded => Rgb is not null;
}
