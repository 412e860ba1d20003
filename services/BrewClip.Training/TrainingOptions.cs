using System.ComponentModel.DataAnnotations;
using BrewClip.Models.Training;

namespace BrewClip.Training;

/// <summary>Configuration section "Training": when and how the heads are trained, and how versions are promoted and kept.</summary>
public sealed class TrainingOptions : IValidatableObject
{
    public const string Section = "Training";

    /// <summary>How often the schedule looks for new pairs (d.hh:mm:ss); 00:00:00 turns the schedule off.</summary>
    public TimeSpan Schedule { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A scheduled run (or a request without Force) trains only when this many train pairs arrived since the last finished run.</summary>
    [Range(0, int.MaxValue)]
    public int MinNewPairs { get; set; } = 100;

    /// <summary>Fewer train pairs than this and a run ends saying how many it has and needs.</summary>
    [Range(2, int.MaxValue)]
    public int MinPairs { get; set; } = 16;

    /// <summary>
    /// A fixed number of epochs for every run; unset (the default), a run trains until its validation recall stops
    /// improving (<see cref="Patience"/>, <see cref="MinSteps"/>, <see cref="MaxSteps"/>, <see cref="MaxEpochs"/>,
    /// <see cref="MaxMinutes"/>) and keeps its best epoch. A request's own epochs win over both.
    /// </summary>
    [Range(1, 10_000)]
    public int? Epochs { get; set; }

    /// <summary>Epochs without a better validation audio->image recall before a run ends.</summary>
    [Range(1, 1000)]
    public int Patience { get; set; } = 10;

    /// <summary>
    /// Optimiser steps a run takes at least before it may stop for want of improvement. On small sets validation recall
    /// goes on rising, noisily, long after a few epochs without a better one (learnability tests: held-out R@1
    /// 0.79-0.88 at 300 steps, 0.92-0.96 at 1000).
    /// </summary>
    [Range(1, 1_000_000)]
    public int MinSteps { get; set; } = 1000;

    /// <summary>Optimiser steps a run takes at most.</summary>
    [Range(1, 10_000_000)]
    public int MaxSteps { get; set; } = 3000;

    /// <summary>Epochs a run trains at most.</summary>
    [Range(1, 10_000)]
    public int MaxEpochs { get; set; } = 500;

    /// <summary>Minutes a run trains at most (checked after each epoch).</summary>
    [Range(0.1, 10_000)]
    public double MaxMinutes { get; set; } = 30;

    [Range(2, 4096)]
    public int BatchSize { get; set; } = 32;

    [Range(1e-7, 1.0)]
    public double LearningRate { get; set; } = 5e-4;

    [Range(0.0, 1.0)]
    public double WeightDecay { get; set; } = 0.01;

    /// <summary>The share of the steps over which the learning rate warms up before its cosine decay.</summary>
    [Range(0.0, 0.5)]
    public double WarmupFraction { get; set; } = 0.1;

    [Range(1e-3, 1e3)]
    public double ClipNorm { get; set; } = 1.0;

    public int Seed { get; set; }

    /// <summary>How a video's audio meets its frames: random, nearest or multiframe (a request may override it).</summary>
    [RegularExpression("^(random|nearest|multiframe)$", ErrorMessage = "must be random, nearest or multiframe")]
    public string FrameMatch { get; set; } = "nearest";

    /// <summary>Nearest match chooses random frames for this many epochs first.</summary>
    [Range(0, 10_000)]
    public int NearestMatchFromEpoch { get; set; } = 2;

    /// <summary>Weight of the inner loss (the acoustic channel alone against the images); 0 trains on the fused vector only.</summary>
    [Range(0.0, 1.0)]
    public double InnerOuterWeight { get; set; } = 0.25;

    /// <summary>
    /// What the inner loss pairs the acoustic channel's vector with: image (the pair's image) or pipeline (the same
    /// recording's pipeline-channel vector, as BrewCLIP's authors do).
    /// </summary>
    public InnerPairing InnerPairing { get; set; } = InnerPairing.Image;

    /// <summary>
    /// Weight of the text loss: the pipeline channel alone (the path a typed text query takes) against the images. The
    /// fused vector's loss gets 1 less this and <see cref="InnerOuterWeight"/>; 0 trains typed text only through the fused loss.
    /// </summary>
    [Range(0.0, 1.0)]
    public double TextWeight { get; set; } = 0.25;

    /// <summary>
    /// Consecutive Whisper frames (50 a second) averaged before the acoustic layer: 1 keeps all. 4 (12.5 a second) trains
    /// about 2.6x faster and re-embeds several times faster (bench/README.md, heads and reembed) with no recall lost on the
    /// learnability tests. A version keeps the pooling it was trained with.
    /// </summary>
    [Range(1, 50)]
    public int AcousticPool { get; set; } = 4;

    /// <summary>
    /// Each training segment's Whisper states are stretched or squeezed in time by a factor drawn from [1 - this, 1 + this]
    /// (another speaking rate); 0 turns it off.
    /// </summary>
    [Range(0.0, 0.9)]
    public double AugmentTimeStretch { get; set; } = 0.15;

    /// <summary>A span of up to this share of each training segment's Whisper frames is left out; 0 turns it off.</summary>
    [Range(0.0, 0.9)]
    public double AugmentFrameDrop { get; set; } = 0.2;

    /// <summary>Noise of this times the states' root mean square is added to each training segment's Whisper states; 0 turns it off.</summary>
    [Range(0.0, 10.0)]
    public double AugmentNoise { get; set; } = 0.1;

    [Range(8, 2048)]
    public int HeadWidth { get; set; } = 256;

    [Range(1, 64)]
    public int Prompts { get; set; } = 8;

    [Range(1, 64)]
    public int Heads { get; set; } = 8;

    /// <summary>
    /// A candidate is promoted only when its audio->image validation recall (R@1, R@5 and R@10 averaged) beats the
    /// active version's by more than this (see <see cref="BrewClip.Models.Training.PromotionGate"/>).
    /// </summary>
    [Range(0.0, 1.0)]
    public double MinImprovement { get; set; } = 0.01;

    /// <summary>... and its image->audio recall (averaged the same way) is not lower than the active version's by more than this.</summary>
    [Range(0.0, 1.0)]
    public double MaxRegression { get; set; } = 0.02;

    /// <summary>
    /// Images of the index (besides the validation pairs' own) that audio->image recall is measured against, as a search
    /// over the index would rank them; 0 measures against the validation images alone.
    /// </summary>
    [Range(0, 1_000_000)]
    public int GalleryImages { get; set; } = 10_000;

    /// <summary>
    /// Recordings of the index (besides the validation pairs' own) that image->audio recall is measured against when a
    /// candidate is judged (not in each epoch's validation: each is run through both versions' heads); 0 measures
    /// against the validation recordings alone.
    /// </summary>
    [Range(0, 1_000_000)]
    public int GalleryRecordings { get; set; } = 500;

    /// <summary>With fewer validation recordings than this the gate cannot judge a candidate, and does not promote it.</summary>
    [Range(1, 1_000_000)]
    public int MinValidationPairs { get; set; } = 20;

    /// <summary>Also train and report pipeline-only and acoustic-only heads (three trainings instead of one).</summary>
    public bool Ablations { get; set; }

    /// <summary>Segments' features kept in memory between epochs.</summary>
    [Range(0, 1_000_000)]
    public int FeatureCacheMegabytes { get; set; } = 1024;

    /// <summary>How often the service looks for queued runs when no notification woke it.</summary>
    [Range(1, 3600)]
    public int RunPollSeconds { get; set; } = 10;

    /// <summary>How often a running run writes its progress (and notices a cancellation).</summary>
    [Range(0.1, 600)]
    public double ProgressSeconds { get; set; } = 2;

    /// <summary>
    /// How a run trains with these options: <paramref name="epochs"/> (a request's) or <see cref="Epochs"/> fixes its
    /// length; neither, and it trains until validation stops improving.
    /// </summary>
    public TrainerOptions Trainer(int? epochs, FrameMatch frameMatch) => new()
    {
        Epochs = epochs ?? Epochs ?? MaxEpochs,
        StopEarly = (epochs ?? Epochs) is null,
        Patience = Patience,
        MinSteps = MinSteps,
        MaxSteps = MaxSteps,
        MaxDuration = TimeSpan.FromMinutes(MaxMinutes),
        BatchSize = BatchSize,
        LearningRate = (float)LearningRate,
        WeightDecay = (float)WeightDecay,
        WarmupFraction = (float)WarmupFraction,
        ClipNorm = (float)ClipNorm,
        Seed = Seed,
        FrameMatch = frameMatch,
        NearestMatchFromEpoch = NearestMatchFromEpoch,
        InnerOuterWeight = (float)InnerOuterWeight,
        InnerPairing = InnerPairing,
        TextWeight = (float)TextWeight,
        Augmentation = new AugmentationOptions(AugmentTimeStretch, AugmentFrameDrop, AugmentNoise),
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Schedule < TimeSpan.Zero)
        {
            yield return new ValidationResult($"Training:Schedule must be 00:00:00 (off) or a positive interval; got {Schedule}.", [nameof(Schedule)]);
        }
        if (InnerOuterWeight + TextWeight >= 1)
        {
            yield return new ValidationResult(
                $"Training:InnerOuterWeight ({InnerOuterWeight}) and Training:TextWeight ({TextWeight}) must add up to less than 1: the fused vector's loss gets the rest.",
                [nameof(InnerOuterWeight), nameof(TextWeight)]);
        }
        if (HeadWidth % Heads != 0)
        {
            yield return new ValidationResult($"Training:HeadWidth ({HeadWidth}) must be divisible by Training:Heads ({Heads}).", [nameof(HeadWidth), nameof(Heads)]);
        }
        if (HnswEfConstruction < 2 * HnswM)
        {
            // pgvector refuses to build such an index; better said at start than when a promotion builds it.
            yield return new ValidationResult(
                $"Training:HnswEfConstruction ({HnswEfConstruction}) must be at least twice Training:HnswM ({HnswM}).", [nameof(HnswEfConstruction), nameof(HnswM)]);
        }
    }

    /// <summary>Versions whose vectors are kept, the active one included; older retired versions' vectors and indexes are dropped. 2 keeps one to roll back to.</summary>
    [Range(1, 100)]
    public int RetainVersions { get; set; } = 2;

    /// <summary>How often promotions are checked for completion when no ModelBackfillCompleted woke the service.</summary>
    [Range(1, 3600)]
    public int PromotionPollSeconds { get; set; } = 10;

    /// <summary>
    /// How long a version whose backfills both reported complete may keep having fewer vectors than the active
    /// version (items in flight) before it is rejected.
    /// </summary>
    [Range(1, 86_400)]
    public int BackfillVerifyTimeoutSeconds { get; set; } = 600;

    /// <summary>maintenance_work_mem for building a version's HNSW indexes: an index that does not fit builds several times slower.</summary>
    [RegularExpression("^[1-9][0-9]*(kB|MB|GB)$", ErrorMessage = "must be a size such as 512MB or 1GB")]
    public string IndexBuildMemory { get; set; } = "1GB";

    /// <summary>HNSW graph degree (pgvector's m) of the version indexes.</summary>
    [Range(2, 100)]
    public int HnswM { get; set; } = 32;

    /// <summary>HNSW candidate list size while building (pgvector's ef_construction); at least twice HnswM.</summary>
    [Range(4, 1000)]
    public int HnswEfConstruction { get; set; } = 200;
}
