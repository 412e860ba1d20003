using BrewClip.Models.Download;

namespace BrewClip.Models.Catalogue;

/// <summary>
/// The models users can choose (<c>Models:Clip</c>, <c>Models:Whisper</c>, <c>Models:Precision</c>) and pull. Each file is pinned by
/// repository, revision, size and SHA-256 where a public source pins it; a file no public source pins has a null hash, and
/// <c>brewclip models pull</c> shows the hash it computed and keeps the file only when the user accepts that hash
/// (<c>--accept</c>). The comment above each entry says where its pins were found.
/// </summary>
public static class ModelCatalogue
{
    public const string DefaultClip = "clip-vit-base-patch32";
    public const string DefaultWhisper = "whisper-base";

    private const string ClipVocabulary = "5047b556ce86ccaf6aa22b3ffccfc52d391ea4accdab9c2f2407da5b742d4363";
    private const string ClipMerges = "9fd691f7c8039210e0fced15865466c65820d09b63988b0174bfe25de299051a";
    private const string WhisperTokenizer = "27fc476bfe7f17299480be2273fc0608e4d5a99aba2ab5dec5374b4482d1a566";

    public static IReadOnlyList<CatalogueEntry> Entries { get; } =
    [
        // Xenova/clip-vit-base-patch32 (transformers.js export of openai/clip-vit-base-patch32). fp32 files, vocab.json and
        // merges.txt: pinned identically by several independent public projects. vision_model_quantized.onnx: pinned at this
        // revision by a public photo-archive project (89,117,001 bytes). text_model_quantized.onnx: no public pin found.
        Clip("clip-vit-base-patch32", "Xenova/clip-vit-base-patch32", "d15189d7028b43f1d3e65039190477f6af591c2a", width: 512, textWidth: 512,
            fp32: [
                new("onnx/vision_model.onnx", "vision_model.onnx", 351_685_709, "fd6e1402a588279d1723c7534d4bcba5bc0b14b47dfab0e46f8c47b8270d7d40"),
                new("onnx/text_model.onnx", "text_model.onnx", 254_058_553, "3f6571f5bad13a97c469c1622e1cfc4d9aef78b79fdbfcff804ca357bfada8cc"),
            ],
            int8: [
                new("onnx/vision_model_quantized.onnx", "vision_model.onnx", 89_117_001, "583fd1110a514667812fee7d684952aaf82a99b959760c8d7dca7e0ab9839299"),
                new("onnx/text_model_quantized.onnx", "text_model.onnx", 0, null),
            ],
            vocabulary: new("vocab.json", "vocab.json", 862_328, ClipVocabulary),
            merges: new("merges.txt", "merges.txt", 524_619, ClipMerges)),

        // Xenova/clip-vit-base-patch16: public projects use it at `main` without a pinned revision or hash; none found. Every
        // file is therefore unpinned: `models pull` shows what it downloaded and keeps it only with --accept.
        Clip("clip-vit-base-patch16", "Xenova/clip-vit-base-patch16", "main", width: 512, textWidth: 512,
            fp32: [new("onnx/vision_model.onnx", "vision_model.onnx", 0, null), new("onnx/text_model.onnx", "text_model.onnx", 0, null)],
            int8: [new("onnx/vision_model_quantized.onnx", "vision_model.onnx", 0, null), new("onnx/text_model_quantized.onnx", "text_model.onnx", 0, null)],
            vocabulary: new("vocab.json", "vocab.json", 0, null),
            merges: new("merges.txt", "merges.txt", 0, null)),

        // Xenova/clip-vit-large-patch14 (BrewCLIP's own CLIP, 768-d). vision_model.onnx: pinned at this revision with its size by
        // two independent public projects (Hugging Face's LFS object id, which is the file's SHA-256). The other files: no
        // public pin found.
        Clip("clip-vit-large-patch14", "Xenova/clip-vit-large-patch14", "c307790166907339eed5a9a53a249af534102536", width: 768, textWidth: 768,
            fp32: [
                new("onnx/vision_model.onnx", "vision_model.onnx", 1_216_438_437, "ff49f8aa57c7abfd26e382eb083e4dbf988505223a9bd3767dbfd4e729206709"),
                new("onnx/text_model.onnx", "text_model.onnx", 0, null),
            ],
            int8: [new("onnx/vision_model_quantized.onnx", "vision_model.onnx", 0, null), new("onnx/text_model_quantized.onnx", "text_model.onnx", 0, null)],
            vocabulary: new("vocab.json", "vocab.json", 0, null),
            merges: new("merges.txt", "merges.txt", 0, null)),

        // onnx-community/whisper-tiny. The 8-bit files, tokenizer.json and generation_config.json: pinned at this revision with
        // sizes by several independent public projects. The fp32 encoder and decoder: no public pin found.
        Whisper("whisper-tiny", "onnx-community/whisper-tiny", "ff4177021cc41f7db950912b73ea4fdf7d01d8e7", width: 384, melBins: 80,
            fp32: [new("onnx/encoder_model.onnx", "encoder_model.onnx", 0, null), new("onnx/decoder_model_merged.onnx", "decoder_model_merged.onnx", 0, null)],
            int8: [
                new("onnx/encoder_model_quantized.onnx", "encoder_model.onnx", 10_124_990, "2af4a414ca47aa30f61246017e5fe82b0a8d229281d1255ba666a2a7f6b84d19"),
                new("onnx/decoder_model_merged_quantized.onnx", "decoder_model_merged.onnx", 30_719_241, "25e807a962b6349356d0ea5d0dfe530b7e5bf0e2a484aeca0359d03143faddd3"),
            ],
            tokenizer: new("tokenizer.json", "tokenizer.json", 2_480_466, WhisperTokenizer),
            generation: new("generation_config.json", "generation_config.json", 3_772, "f5c67e5a4f7102f8cb4d058bc95da276bbc19eeec997267c3bb0f25ef68facd1")),

        // onnx-community/whisper-base. fp32 files: pinned identically by several independent public projects. The 8-bit files:
        // pinned at this revision with sizes by a public voice-assistant project.
        Whisper("whisper-base", "onnx-community/whisper-base", "1846881b6b3a3024392c1eea3ad983695bc23925", width: 512, melBins: 80,
            fp32: [
                new("onnx/encoder_model.onnx", "encoder_model.onnx", 82_468_078, "a9f3b752833b49e880dec91ee5b6d936112be7c3ea07c221024ba493439f46fe"),
                new("onnx/decoder_model_merged.onnx", "decoder_model_merged.onnx", 208_521_528, "514903744bb1b45803ec571af99b31110491c6f77b0a154825866995fb124b73"),
            ],
            int8: [
                new("onnx/encoder_model_quantized.onnx", "encoder_model.onnx", 23_201_314, "5862993336bf33acd23736071aae2b32261d3b1b2f37780194460d4ef974dd46"),
                new("onnx/decoder_model_merged_quantized.onnx", "decoder_model_merged.onnx", 53_693_315, "fa3ef9902734ce5ae6f9ef2bdb2ba9a6c4b5785b09f4f420ce036573dc9d090b"),
            ],
            tokenizer: new("tokenizer.json", "tokenizer.json", 2_480_466, WhisperTokenizer),
            generation: new("generation_config.json", "generation_config.json", 3_832, "61070cf8de25b1e9256e8e102ded49d8d24a8369ed36ef84fdf21549e68125a0")),

        // onnx-community/whisper-small. The 8-bit files, tokenizer.json and generation_config.json: pinned at this revision with
        // sizes by a public voice-assistant project. The fp32 encoder and decoder: no public pin found.
        Whisper("whisper-small", "onnx-community/whisper-small", "36050c46d777d46dc4b5f43f6d90574fc38f8732", width: 768, melBins: 80,
            fp32: [new("onnx/encoder_model.onnx", "encoder_model.onnx", 0, null), new("onnx/decoder_model_merged.onnx", "decoder_model_merged.onnx", 0, null)],
            int8: [
                new("onnx/encoder_model_quantized.onnx", "encoder_model.onnx", 92_326_160, "a43a83f3c5361cd591cfa7c36f14b43cf7cb22f47a415cc14a8d557be800fa92"),
                new("onnx/decoder_model_merged_quantized.onnx", "decoder_model_merged.onnx", 156_750_845, "ec07c3cbb64172c39791e26ee870a65ac22b458c36722bfe2776b3dbf741e0c9"),
            ],
            tokenizer: new("tokenizer.json", "tokenizer.json", 2_480_466, WhisperTokenizer),
            generation: new("generation_config.json", "generation_config.json", 3_893, "f538b28220c6a6d6f1af1458d4141cacb4ef4963df3de98a19490440c412ddf0")),

        // onnx-community/whisper-large-v3-turbo at the revision a public transcription project pins (it pins only the fp16 files,
        // which this system does not run). 128 mel bins, 1280-wide states; the fp32 encoder keeps its weights in
        // encoder_model.onnx_data (about 2.5 GB), which must sit beside encoder_model.onnx under that name. No public pin found
        // for any file used here.
        Whisper("whisper-large-v3-turbo", "onnx-community/whisper-large-v3-turbo", "360ebcde2559d60bb474678be3c1de9ef347d01a", width: 1280, melBins: 128,
            fp32: [
                new("onnx/encoder_model.onnx", "encoder_model.onnx", 0, null),
                new("onnx/encoder_model.onnx_data", "encoder_model.onnx_data", 0, null),
                new("onnx/decoder_model_merged.onnx", "decoder_model_merged.onnx", 0, null),
            ],
            int8: [new("onnx/encoder_model_quantized.onnx", "encoder_model.onnx", 0, null), new("onnx/decoder_model_merged_quantized.onnx", "decoder_model_merged.onnx", 0, null)],
            tokenizer: new("tokenizer.json", "tokenizer.json", 0, null),
            generation: new("generation_config.json", "generation_config.json", 0, null)),
    ];

    public static IEnumerable<string> Names(ModelFamily family) => Entries.Where(e => e.Family == family).Select(e => e.Name);

    public static CatalogueEntry? Find(string? name) => Entries.FirstOrDefault(e => string.Equals(e.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>The entry named, of the family wanted; throws naming the option and the choices otherwise.</summary>
    public static CatalogueEntry Get(ModelFamily family, string? name, string option)
    {
        var entry = Find(name);
        if (entry is null || entry.Family != family)
        {
            throw new ArgumentException($"{option} is '{name}', which is not a {family} model this build knows; choose one of {string.Join(", ", Names(family))}.");
        }
        return entry;
    }

    /// <summary>What a `brewclip models pull NAME` argument names: an entry at a precision (<c>whisper-small</c>, <c>whisper-small-int8</c>).</summary>
    public static (CatalogueEntry Entry, ModelPrecision Precision)? ParsePull(string argument)
    {
        foreach (var entry in Entries)
        {
            foreach (var precision in entry.Files.Keys)
            {
                if (string.Equals(entry.Folder(precision), argument.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    return (entry, precision);
                }
            }
        }
        return null;
    }

    private static CatalogueEntry Clip(string name, string repository, string revision, int width, int textWidth,
        ModelFile[] fp32, ModelFile[] int8, ModelFile vocabulary, ModelFile merges) =>
        new(name, ModelFamily.Clip, repository, revision, width, textWidth, 0, new Dictionary<ModelPrecision, IReadOnlyList<ModelFile>>
        {
            [ModelPrecision.Fp32] = [.. fp32, vocabulary, merges],
            [ModelPrecision.Int8] = [.. int8, vocabulary, merges],
        });

    private static CatalogueEntry Whisper(string name, string repository, string revision, int width, int melBins,
        ModelFile[] fp32, ModelFile[] int8, ModelFile tokenizer, ModelFile generation) =>
        new(name, ModelFamily.Whisper, repository, revision, width, 0, melBins, new Dictionary<ModelPrecision, IReadOnlyList<ModelFile>>
        {
            [ModelPrecision.Fp32] = [.. fp32, tokenizer, generation],
            [ModelPrecision.Int8] = [.. int8, tokenizer, generation],
        });
}
