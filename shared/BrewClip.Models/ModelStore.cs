using BrewClip.Models.Clip;

namespace BrewClip.Models;

/// <summary>
/// The folder of models: <c>clip-vit-base-patch32/</c>, <c>whisper-base/</c>, <c>brewclip/&lt;version&gt;/</c>.
/// Found from an option, else <c>BREWCLIP_MODELS</c>, else <c>./models</c>.
/// </summary>
public sealed class ModelStore(string root)
{
    public const string EnvironmentVariable = "BREWCLIP_MODELS";
    public const string ClipName = "clip-vit-base-patch32";
    public const string WhisperName = "whisper-base";

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Where trained versions' heads live, a folder per version (<c>brewclip/3/</c>).</summary>
    public string VersionsFolder => Path.Combine(Root, "brewclip");

    public string VersionFolder(int version) => Path.Combine(VersionsFolder, version.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Where heads are copied before Training registers them (<c>brewclip/incoming/</c>).</summary>
    public string IncomingFolder => Path.Combine(VersionsFolder, "incoming");

    public static ModelStore FromEnvironment(string? configuredRoot = null) => new(
        !string.IsNullOrWhiteSpace(configuredRoot) ? configuredRoot
        : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Path.Combine(Directory.GetCurrentDirectory(), "models"));

    /// <summary>The CLIP export's files; throws naming the first missing one and how to get it.</summary>
    public ClipModelFiles Clip()
    {
        var folder = Path.Combine(Root, ClipName);
        var files = new ClipModelFiles(
            Path.Combine(folder, "vision_model.onnx"),
            Path.Combine(folder, "text_model.onnx"),
            Path.Combine(folder, "vocab.json"),
            Path.Combine(folder, "merges.txt"));
        foreach (var file in new[] { files.VisionModel, files.TextModel, files.Vocabulary, files.Merges })
        {
            if (!File.Exists(file))
            {
                throw new ModelMissingException(
                    $"The model file {file} is missing. Put the ONNX export of openai/{ClipName} (vision_model.onnx and text_model.onnx, " +
                    $"as published by transformers.js/Optimum, with vocab.json and merges.txt) into {folder} " +
                    $"(`brewclip models pull {ClipName}` downloads them), or point Models:Root or {EnvironmentVariable} at a model store that has them.");
            }
        }
        return files;
    }

    /// <summary>The folder of the Whisper export, checked for every file the model reads.</summary>
    public string Whisper()
    {
        var folder = Path.Combine(Root, WhisperName);
        var tokenizerFiles = File.Exists(Path.Combine(folder, "tokenizer.json")) ? ["tokenizer.json"] : new[] { "vocab.json", "merges.txt" };
        foreach (var name in new[] { "encoder_model.onnx", "decoder_model_merged.onnx", "generation_config.json" }.Concat(tokenizerFiles))
        {
            var file = Path.Combine(folder, name);
            if (!File.Exists(file))
            {
                throw new ModelMissingException(
                    $"The model file {file} is missing. Put the ONNX export of openai/{WhisperName} (encoder_model.onnx, decoder_model_merged.onnx, " +
                    $"as published by transformers.js/Optimum, with tokenizer.json and generation_config.json) into {folder} " +
                    $"(`brewclip models pull {WhisperName}` downloads them), " +
                    $"or point Models:Root or {EnvironmentVariable} at a model store that has them.");
            }
        }
        return folder;
    }
}
