namespace BrewClip.Models.Download;

/// <summary>A model's published files and where they are served from.</summary>
public sealed record ModelManifest(string Name, string BaseUrl, IReadOnlyList<ModelFile> Files)
{
    /// <summary>The models `brewclip models pull` knows.</summary>
    public static IReadOnlyDictionary<string, ModelManifest> Known { get; } = new Dictionary<string, ModelManifest>
    {
        // The transformers.js/Optimum exports. Their checksums are not pinned yet: they have to be read
        // from the hub by someone who can reach it (until then ModelDownloader refuses to download them).
        [ModelStore.ClipName] = new(ModelStore.ClipName, "https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/main/",
        [
            new("onnx/vision_model.onnx", "vision_model.onnx", 0, null),
            new("onnx/text_model.onnx", "text_model.onnx", 0, null),
            new("vocab.json", "vocab.json", 0, null),
            new("merges.txt", "merges.txt", 0, null),
        ]),
        [ModelStore.WhisperName] = new(ModelStore.WhisperName, "https://huggingface.co/onnx-community/whisper-base/resolve/main/",
        [
            new("onnx/encoder_model.onnx", "encoder_model.onnx", 0, null),
            new("onnx/decoder_model_merged.onnx", "decoder_model_merged.onnx", 0, null),
            new("vocab.json", "vocab.json", 0, null),
            new("merges.txt", "merges.txt", 0, null),
            new("added_tokens.json", "added_tokens.json", 0, null),
            new("generation_config.json", "generation_config.json", 0, null),
        ]),
    };
}
