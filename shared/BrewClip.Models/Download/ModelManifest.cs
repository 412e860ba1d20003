namespace BrewClip.Models.Download;

/// <summary>A model's published files and where they are served from.</summary>
public sealed record ModelManifest(string Name, string BaseUrl, IReadOnlyList<ModelFile> Files)
{
    /// <summary>The models `brewclip models pull` knows.</summary>
    public static IReadOnlyDictionary<string, ModelManifest> Known { get; } = new Dictionary<string, ModelManifest>
    {
        // The transformers.js export of openai/clip-vit-base-patch32, pinned to one revision of that repository
        // so the files cannot change under their checksums. Sizes and SHA-256s are the published files' as
        // pinned, identically, by several independent public projects.
        [ModelStore.ClipName] = new(ModelStore.ClipName, "https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/d15189d7028b43f1d3e65039190477f6af591c2a/",
        [
            new("onnx/vision_model.onnx", "vision_model.onnx", 351_685_709, "fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40"),
            new("onnx/text_model.onnx", "text_model.onnx", 254_058_553, "3f6571f5bad13a97c469c1622e1cfc4d9aef78b79fdbfcff804ca357bfada8cc"),
            new("vocab.json", "vocab.json", 862_328, "5047b556ce86ccaf6aa22b3ffccfc52d391ea4accdab9c2f2407da5b742d4363"),
            new("merges.txt", "merges.txt", 524_619, "9fd691f7c8039210e0fced15865466c65820d09b63988b0174bfe25de299051a"),
        ]),
        // onnx-community/whisper-base (Optimum export), pinned to one revision. Sizes and SHA-256s are the
        // published files' as pinned, identically, by several independent public projects (at this revision or at main).
        [ModelStore.WhisperName] = new(ModelStore.WhisperName, "https://huggingface.co/onnx-community/whisper-base/resolve/1846881b6b3a3024392c1eea3ad983695bc23925/",
        [
            new("onnx/encoder_model.onnx", "encoder_model.onnx", 82_468_078, "a9f3b752833b49e880dec91ee5b6d936112be7c3ea07c221024ba493439f46fe"),
            new("onnx/decoder_model_merged.onnx", "decoder_model_merged.onnx", 208_521_528, "514903744bb1b45803ec571af99b31110491c6f77b0a154825866995fb124b73"),
            new("tokenizer.json", "tokenizer.json", 2_480_466, "27fc476bfe7f17299480be2273fc0608e4d5a99aba2ab5dec5374b4482d1a566"),
            new("generation_config.json", "generation_config.json", 3_832, "61070cf8de25b1e9256e8e102ded49d8d24a8369ed36ef84fdf21549e68125a0"),
        ]),
    };
}
