using System.ComponentModel.DataAnnotations;
using BrewClip.Models.Catalogue;
using BrewClip.Onnx;

namespace BrewClip.Models;

/// <summary>Where models are and how ONNX Runtime runs them (configuration section "Models").</summary>
public sealed class ModelOptions : IValidatableObject
{
    public const string Section = "Models";

    /// <summary>The model store; empty means BREWCLIP_MODELS, else ./models.</summary>
    public string Root { get; set; } = "";

    /// <summary>The CLIP of the catalogue the image and text towers come from (README, Models).</summary>
    public string Clip { get; set; } = ModelCatalogue.DefaultClip;

    /// <summary>The Whisper of the catalogue that transcribes and whose encoder states the acoustic channel reads.</summary>
    public string Whisper { get; set; } = ModelCatalogue.DefaultWhisper;

    /// <summary>fp32 (the published full-precision exports) or int8 (their published 8-bit variants, in folders NAME-int8).</summary>
    public string Precision { get; set; } = "fp32";

    /// <summary>Another libonnxruntime.so to load; empty means the one the Microsoft.ML.OnnxRuntime package put beside the app.</summary>
    public string OnnxLibraryPath { get; set; } = "";

    [RegularExpression("^(cpu|cuda)$", ErrorMessage = "must be cpu or cuda")]
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>With ExecutionProvider=cuda: fail at start instead of falling back to the CPU.</summary>
    public bool RequireExecutionProvider { get; set; }

    [Range(0, 256)]
    public int IntraOpThreads { get; set; }

    /// <summary>The model store these options name (<see cref="Root"/>, else BREWCLIP_MODELS, else ./models).</summary>
    public ModelStore Store() => ModelStore.FromEnvironment(string.IsNullOrWhiteSpace(Root) ? null : Root, Choice());

    /// <summary>The chosen models; throws naming the option when one is not in the catalogue (the validation at start reports it first).</summary>
    public ModelChoice Choice() => new(
        ModelCatalogue.Get(ModelFamily.Clip, Clip, $"{Section}:{nameof(Clip)}"),
        ModelCatalogue.Get(ModelFamily.Whisper, Whisper, $"{Section}:{nameof(Whisper)}"),
        ModelPrecisions.TryParse(Precision, out var precision) ? precision
            : throw new ArgumentException($"{Section}:{nameof(Precision)} is '{Precision}'; it must be fp32 or int8."));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ModelCatalogue.Find(Clip) is not { Family: ModelFamily.Clip })
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(Clip)} is '{Clip}'; choose one of {string.Join(", ", ModelCatalogue.Names(ModelFamily.Clip))}.", [nameof(Clip)]);
        }
        if (ModelCatalogue.Find(Whisper) is not { Family: ModelFamily.Whisper })
        {
            yield return new ValidationResult(
                $"{Section}:{nameof(Whisper)} is '{Whisper}'; choose one of {string.Join(", ", ModelCatalogue.Names(ModelFamily.Whisper))}.", [nameof(Whisper)]);
        }
        if (!ModelPrecisions.TryParse(Precision, out _))
        {
            yield return new ValidationResult($"{Section}:{nameof(Precision)} is '{Precision}'; it must be fp32 or int8.", [nameof(Precision)]);
        }
    }

    /// <summary>The process's ONNX Runtime, loaded from <see cref="OnnxLibraryPath"/> or the usual places.</summary>
    public OnnxEnvironment Environment() => OnnxEnvironment.Shared(string.IsNullOrWhiteSpace(OnnxLibraryPath) ? null : OnnxLibraryPath);

    public OnnxSessionOptions SessionOptions() => new()
    {
        Provider = ExecutionProvider == "cuda" ? Onnx.ExecutionProvider.Cuda : Onnx.ExecutionProvider.Cpu,
        RequireProvider = RequireExecutionProvider,
        IntraOpThreads = IntraOpThreads,
    };
}
