using System.ComponentModel.DataAnnotations;

namespace BrewClip.Transcription;

public sealed class TranscriptionOptions
{
    public const string Section = "Transcription";

    /// <summary>The spoken language's code ("en"); empty detects it per window.</summary>
    [RegularExpression("^([a-z]{2,3})?$", ErrorMessage = "must be a Whisper language code such as en, or empty to detect it")]
    public string Language { get; set; } = "";

    /// <summary>
    /// Decode each 30 s window with Whisper's timestamp rules, giving timed segments in recording time. The
    /// windows are the fixed ones whose encoder states are cached, so the encoder still runs once per window;
    /// a sentence a window boundary cuts ends one window's last segment and starts the next one's.
    /// </summary>
    public bool Timestamps { get; set; }

    /// <summary>Recordings transcribed at once.</summary>
    [Range(1, 16)]
    public int ConcurrencyLimit { get; set; } = 1;

    /// <summary>
    /// A recording's 30 s windows decoded together, one decoder call a step for all of them (each window gets the text it
    /// gets alone); 1 decodes them one at a time.
    /// </summary>
    [Range(1, 32)]
    public int DecodeBatch { get; set; } = 8;
}
