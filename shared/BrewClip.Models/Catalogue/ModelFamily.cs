namespace BrewClip.Models.Catalogue;

/// <summary>What a catalogue entry is: a CLIP (image and text towers) or a Whisper (encoder and decoder).</summary>
public enum ModelFamily
{
    Clip,
    Whisper,
}
