using BrewClip.Models.Catalogue;
using BrewClip.Models.Clip;

namespace BrewClip.Models;

/// <summary>
/// The folder of models: one folder per chosen catalogue entry and precision (<c>clip-vit-base-patch32/</c>,
/// <c>whisper-small-int8/</c>), and <c>brewclip/</c> (Training's working folder).
/// Found from an option, else <c>BREWCLIP_MODELS</c>, else <c>./models</c>.
/// </summary>
public sealed class ModelStore(string root, ModelChoice? choice = null)
{
    public const string EnvironmentVariable = "BREWCLIP_MODELS";
    public const string ClipName = ModelCatalogue.DefaultClip;
    public const string WhisperName = ModelCatalogue.DefaultWhisper;

    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>The models this store's files are looked up for.</summary>
    public ModelChoice Choice { get; } = choice ?? ModelChoice.Default;

    /// <summary>
    /// Training's working folder (<c>brewclip/runs/&lt;run&gt;/</c>: checkpoints, heads before their upload). Trained
    /// versions' heads are kept in the artifact store; folders <c>brewclip/&lt;version&gt;/</c> here are those of
    /// versions registered before, still read through their file:// URIs.
    /// </summary>
    public string VersionsFolder => Path.Combine(Root, "brewclip");

    /// <summary>
    /// Where no model host can be reached: the checkout's fixture script writes a full-size stand-in with random weights
    /// (the published export's files, shapes and names: every service runs, but vectors and transcripts mean nothing).
    /// </summary>
    public static string OfflineRecipe(string name, string folder)
    {
        var pull = ModelCatalogue.ParsePull(name);
        var entry = pull?.Entry.Name ?? name;
        var script = pull?.Entry.Family == ModelFamily.Whisper || name.StartsWith("whisper", StringComparison.Ordinal) ? "make_whisper_fixtures.py" : "make_clip_fixtures.py";
        var int8 = pull?.Precision == ModelPrecision.Int8 ? " --int8" : "";
        return $"Offline, a stand-in with random weights (every service runs; its vectors and transcripts mean nothing): " +
            $"`/usr/bin/python3 tests/fixtures/{script} --full {folder} --model {entry}{int8}` in the checkout (README, \"Offline, with stand-in models\"; needs python3-torch).";
    }

    public static ModelStore FromEnvironment(string? configuredRoot = null, ModelChoice? choice = null) => new(
        !string.IsNullOrWhiteSpace(configuredRoot) ? configuredRoot
        : Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Path.Combine(Directory.GetCurrentDirectory(), "models"), choice);

    /// <summary>The CLIP vision tower's file (all ImageEmbedding loads); throws naming it and how to get it when it is missing.</summary>
    public string ClipVision() => RequireClip("vision_model.onnx")[0];

    /// <summary>The CLIP text tower and its tokenizer's files (all AcousticEmbedding loads); throws naming the first missing one.</summary>
    public ClipTextFiles ClipText()
    {
        var files = RequireClip("text_model.onnx", "vocab.json", "merges.txt");
        return new ClipTextFiles(files[0], files[1], files[2]);
    }

    private string[] RequireClip(params string[] names)
    {
        var name = Choice.ClipFolder;
        var folder = Path.Combine(Root, name);
        var files = names.Select(file => Path.Combine(folder, file)).ToArray();
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                throw new ModelMissingException(
                    $"The model file {file} is missing. Put the ONNX export {Choice.Clip.Repository} ({Choice.Precision.Name()}: vision_model.onnx and text_model.onnx, " +
                    $"as published by transformers.js/Optimum, with vocab.json and merges.txt) into {folder} " +
                    $"(`brewclip models pull {name}` downloads them), or point Models:Root or {EnvironmentVariable} at a model store that has them. " +
                    OfflineRecipe(name, folder));
            }
        }
        return files;
    }

    /// <summary>The folder of the Whisper export, checked for every file the model reads.</summary>
    public string Whisper()
    {
        var name = Choice.WhisperFolder;
        var folder = Path.Combine(Root, name);
        var tokenizerFiles = File.Exists(Path.Combine(folder, "tokenizer.json")) ? ["tokenizer.json"] : new[] { "vocab.json", "merges.txt" };
        // An export whose weights sit in external-data files (large-v3-turbo's fp32 encoder) needs them beside the graph.
        var external = Choice.Whisper.Files.GetValueOrDefault(Choice.Precision, []).Select(f => f.LocalName).Where(n => n.EndsWith(".onnx_data", StringComparison.Ordinal));
        foreach (var file in new[] { "encoder_model.onnx", "decoder_model_merged.onnx", "generation_config.json" }.Concat(tokenizerFiles).Concat(external)
            .Select(n => Path.Combine(folder, n)))
        {
            if (!File.Exists(file))
            {
                throw new ModelMissingException(
                    $"The model file {file} is missing. Put the ONNX export {Choice.Whisper.Repository} ({Choice.Precision.Name()}: encoder_model.onnx, decoder_model_merged.onnx, " +
                    $"as published by transformers.js/Optimum, with generation_config.json and its tokenizer: tokenizer.json, or vocab.json and merges.txt) " +
                    $"into {folder} (`brewclip models pull {name}` downloads them), " +
                    $"or point Models:Root or {EnvironmentVariable} at a model store that has them. " + OfflineRecipe(name, folder));
            }
        }
        return folder;
    }
}
