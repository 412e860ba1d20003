using System.ComponentModel.DataAnnotations;

namespace BrewClip.Transcription;

public sealed class TranscriptionOptions
{
    public const string Section = "Transcription";

    /// <summary>The spoken language's code ("en"); empty detects it per window.</summary>
    [RegularExpression("^([a-z]{2,3})?$", ErrorMessage = "must be a Whisper language code such as en, or empty to detect it")]
    public string Language { get; set; } = "";

    /// <summary>
    /// Decode with timestamps: Whisper's long-form transcription, each window starting where the last
    /// complete segment ended, giving timed segments. Costs a second encoder pass per window.
    /// </summary>
    public bool Timestamps { get; set; }

    /// <summary>Recordings transcribed at once.</summary>
    [Range(1, 16)]
    public int ConcurrencyLimit { get; set; } = 1;
}
