namespace BrewClip.Models.Clip;

public sealed record ClipModelFiles(string VisionModel, string TextModel, string Vocabulary, string Merges);
