using BrewClip.Models.Heads;

namespace BrewClip.Models.Training;

/// <summary>How the heads are trained (the Training service fills it from its options and the request).</summary>
public sealed record TrainerOptions
{
    /// <summary>Epochs to train; with <see cref="StopEarly"/>, the most a run may train.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>
    /// Train until the validation score (given to <see cref="HeadTrainer.Train"/>) stops improving: after
    /// <see cref="Patience"/> epochs without a better score once <see cref="MinSteps"/> steps are done, or at
    /// <see cref="MaxSteps"/> steps or <see cref="MaxDuration"/>; the heads of the best epoch are kept.
    /// </summary>
    public bool StopEarly { get; init; }

    /// <summary>Epochs without a better validation score before an early-stopping run ends.</summary>
    public int Patience { get; init; } = 10;

    /// <summary>Optimiser steps an early-stopping run takes at least (the loss barely moves in the first few dozen).</summary>
    public int MinSteps { get; init; } = 300;

    /// <summary>Optimiser steps an early-stopping run takes at most.</summary>
    public int MaxSteps { get; init; } = 3000;

    /// <summary>Wall time an early-stopping run takes at most (checked after each epoch).</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(30);

    public int BatchSize { get; init; } = 32;

    /// <summary>Peak learning rate of AdamW, reached after the warm-up and decayed along a cosine to zero.</summary>
    public float LearningRate { get; init; } = 5e-4f;

    public float WeightDecay { get; init; } = 0.01f;

    /// <summary>The share of all steps spent warming the learning rate up from zero.</summary>
    public float WarmupFraction { get; init; } = 0.1f;

    /// <summary>Gradients are scaled down together to at most this global L2 norm.</summary>
    public float ClipNorm { get; init; } = 1f;

    /// <summary>Seeds batch order, segment and frame choice: a run with the same seed on the same data repeats exactly.</summary>
    public int Seed { get; init; }

    public FrameMatch FrameMatch { get; init; } = FrameMatch.Nearest;

    /// <summary>Nearest match picks random frames for this many epochs first (the heads know nothing before).</summary>
    public int NearestMatchFromEpoch { get; init; } = 2;

    /// <summary>Weight of the inner loss (the acoustic channel alone against the images); the fused loss gets the rest.</summary>
    public float InnerOuterWeight { get; init; } = 0.25f;

    /// <summary>What the inner loss pairs the acoustic vector with: the image, or the recording's pipeline vector.</summary>
    public InnerPairing InnerPairing { get; init; } = InnerPairing.Image;

    /// <summary>
    /// Weight of the text loss: the pipeline channel alone (what a typed query runs through) against the images, so
    /// the typed-text path is trained on its own. The fused loss gets what the inner and text losses leave.
    /// </summary>
    public float TextWeight { get; init; } = 0.25f;

    /// <summary>How each training segment's Whisper states are changed before the heads see them (<see cref="FeatureAugmentation"/>).</summary>
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;

    /// <summary>Both for the model; one channel for the pipeline-only and acoustic-only ablations.</summary>
    public AudioChannels Channels { get; init; } = AudioChannels.Both;

    /// <summary>CLIP's initial temperature; the learnable logit scale 1/T is capped at 100.</summary>
    public float InitialTemperature { get; init; } = 0.07f;

    /// <summary>The learning rate of the single-number parameters (acoustic gate, logit scale) relative to the rest.</summary>
    public float ScalarRateScale { get; init; } = 20f;

    public const float MaxLogitScale = 100f;
}
