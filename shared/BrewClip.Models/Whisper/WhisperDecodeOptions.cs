namespace BrewClip.Models.Whisper;

public sealed record WhisperDecodeOptions
{
    /// <summary>The spoken language's code ("en"); null detects it from the audio.</summary>
    public string? Language { get; init; }

    public bool Translate { get; init; }

    /// <summary>Predict timestamp tokens (segments) instead of plain text.</summary>
    public bool Timestamps { get; init; }

    /// <summary>Reuse each step's keys and values so a new token costs the same however long the text is.</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>A cap below the model's own maximum length; 0 means the model's.</summary>
    public int MaxNewTokens { get; init; }
}
