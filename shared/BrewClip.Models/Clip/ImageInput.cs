namespace BrewClip.Models.Clip;

/// <summary>An image to preprocess: its file, and optionally CLIP's crop of it made ahead (224x224 raw RGB).</summary>
public sealed record ImageInput(string Path, string? CropPath);
