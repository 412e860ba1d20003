namespace BrewClip.Models.Clip;

/// <summary>What the CLIP text tower needs: the ONNX model and its BPE tokenizer's files.</summary>
public sealed record ClipTextFiles(string TextModel, string Vocabulary, string Merges);
