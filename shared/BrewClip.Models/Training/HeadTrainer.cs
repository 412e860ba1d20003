using System.Diagnostics;
using BrewClip.Autograd;
using BrewClip.Autograd.Nn;
using BrewClip.Autograd.Optim;
using BrewClip.Models.Heads;

namespace BrewClip.Models.Training;

/// <summary>
/// Trains a BrewCLIP audio head and image adapter on audio-image pairs with symmetric InfoNCE (learnable
/// temperature, rows that share a recording or an image masked as negatives, optionally the inner loss
/// on the acoustic channel alone and the text loss on the pipeline channel alone), AdamW with warm-up and cosine decay, gradient clipping, and a seed.
/// Video pairs choose or combine frames by <see cref="FrameMatch"/>. A checkpoint is saved after every
/// epoch; a run given a folder that holds one continues from it.
/// </summary>
public sealed class HeadTrainer(TrainerOptions options, ISegmentReader reader)
{
    public TrainerOptions Options => options;

    /// <summary>The epochs a checkpoint had already done when <see cref="Train"/> started (0 for a fresh run).</summary>
    public int ResumedFromEpoch { get; private set; }

    /// <summary>Called on the training thread after each epoch's checkpoint is saved, with the epochs it holds (to copy it elsewhere).</summary>
    public Action<int>? CheckpointSaved { get; init; }

    /// <summary>The loss of the last step <see cref="Train"/> took (or its checkpoint recorded).</summary>
    public float LastLoss { get; private set; } = float.NaN;

    /// <summary>
    /// Each epoch's validation score, in order, when <see cref="Train"/> was given a validation (a resumed run's earlier
    /// epochs included, as its checkpoint kept them).
    /// </summary>
    public IReadOnlyList<double> ValidationScores => _scores;

    /// <summary>The epochs the heads have trained in all when <see cref="Train"/> returned (a resumed run counts its checkpoint's).</summary>
    public int EpochsDone { get; private set; }

    /// <summary>The epoch (1-based) whose heads <see cref="Train"/> returned with when it stopped early; null when it trained a fixed length.</summary>
    public int? BestEpoch { get; private set; }

    /// <summary>Why an early-stopping run ended (patience, steps or time); null for a fixed length.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Optimiser steps taken in all (a resumed run counts its checkpoint's).</summary>
    public int Steps { get; private set; }

    private readonly List<double> _scores = [];

    /// <summary>
    /// Trains <paramref name="audio"/> and <paramref name="image"/> in place; returns the final logit scale. With
    /// <see cref="TrainerOptions.StopEarly"/> and a <paramref name="validate"/> (a score of the heads as they are, higher
    /// better, called after each epoch with the heads out of training mode), the run ends when the score stops improving
    /// and the heads are those of the best epoch.
    /// </summary>
    public float Train(IReadOnlyList<PairGroup> train, AudioHead audio, ImageAdapter image, string? checkpointFolder,
        Action<TrainingProgress>? progress, CancellationToken cancellationToken, Func<double>? validate = null)
    {
        if (train.Count < 2)
        {
            throw new ArgumentException($"Contrastive training needs at least 2 pairs; got {train.Count}.", nameof(train));
        }
        var logScale = new LogScaleModule(MathF.Log(1 / options.InitialTemperature));
        var parameters = audio.NamedParameters().Select(p => ("audio." + p.Name, p.Parameter))
            .Concat(image.NamedParameters().Select(p => ("image." + p.Name, p.Parameter)))
            .Append(("log_scale", logScale.Value))
            .ToList();
        // The gate and the logit scale are single numbers that must travel far (0 -> ~1, ln 14 -> ln 100):
        // at the heads' learning rate they would take thousands of steps.
        var optimizer = new AdamW(parameters, options.LearningRate, weightDecay: options.WeightDecay,
            rateScale: (_, p) => p.Value.Size == 1 ? options.ScalarRateScale : 1f);
        var batchSize = Math.Min(options.BatchSize, train.Count);
        var stepsPerEpoch = (train.Count + batchSize - 1) / batchSize;
        var stopEarly = options.StopEarly && validate is not null;
        // An early-stopping run's length is not known: the cosine spans its ceiling, and the warm-up a share of its minimum.
        var totalSteps = stopEarly ? Math.Min(options.MaxSteps, stepsPerEpoch * options.Epochs) : stepsPerEpoch * options.Epochs;
        var warmup = Math.Max(1, (int)(options.WarmupFraction * (stopEarly ? Math.Min(options.MinSteps, totalSteps) : totalSteps)));
        var schedule = new WarmupCosineSchedule(options.LearningRate, warmup, totalSteps);
        var best = double.NegativeInfinity;
        var sinceBest = 0;
        // Steps an epoch really takes (a lone last row sits out), and the step an early-stopping run ends at if validation
        // does not improve again after completedEpochs: Patience epochs past the best, and not before MinSteps.
        var stepsEachEpoch = Math.Max(1, stepsPerEpoch - (train.Count % batchSize == 1 ? 1 : 0));
        int? StopsAt(int completedEpochs) => stopEarly
            ? Math.Max(optimizer.Steps, Math.Min(totalSteps, Math.Max(completedEpochs + Math.Max(0, options.Patience - sinceBest),
                (options.MinSteps + stepsEachEpoch - 1) / stepsEachEpoch) * stepsEachEpoch))
            : null;
        (AudioHead Audio, ImageAdapter Image)? bestHeads = null;

        var firstEpoch = 0;
        var lastLoss = float.NaN;
        if (checkpointFolder is not null && TrainingCheckpoint.TryLoad(checkpointFolder, audio, image, optimizer) is { } resumed)
        {
            firstEpoch = ResumedFromEpoch = EpochsDone = resumed.EpochsDone;
            logScale.Value.Load([resumed.LogScale]);
            lastLoss = resumed.LastLoss;
            // The validation so far: the search for the best epoch goes on where it stopped.
            if (validate is not null && resumed.Scores is { } scores)
            {
                _scores.AddRange(scores);
                (best, sinceBest) = (resumed.BestScore ?? double.NegativeInfinity, resumed.SinceBest);
                if (stopEarly && resumed.BestEpoch is { } bestEpoch && TrainingCheckpoint.TryLoadBest(checkpointFolder) is { } keptBefore)
                {
                    (bestHeads, BestEpoch) = (keptBefore, bestEpoch);
                }
            }
        }
        audio.Training = true;
        image.Training = true;
        var clock = Stopwatch.StartNew();
        var samples = 0L;
        var stepsThisSession = 0;
        for (var epoch = firstEpoch; epoch < options.Epochs; epoch++)
        {
            // Everything random in an epoch comes from (seed, epoch): a resumed run repeats the run that stopped.
            var random = new Random(unchecked(options.Seed * 1_000_003 + epoch * 7_919 + 17));
            var order = Enumerable.Range(0, train.Count).OrderBy(_ => random.Next()).ToArray();
            for (var s = 0; s < stepsPerEpoch; s++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = order.Skip(s * batchSize).Take(batchSize).Select(i => train[i]).ToList();
                if (batch.Count < 2)
                {
                    // A lone last row has no negatives: it sits this epoch out (the next shuffle places it elsewhere).
                    continue;
                }
                var loss = Loss(batch, audio, image, logScale.Value, epoch, random);
                optimizer.ZeroGrad();
                loss.Backward();
                GradientClipping.ClipGlobalNorm(parameters.Select(p => p.Item2), options.ClipNorm);
                optimizer.LearningRate = schedule.At(optimizer.Steps);
                optimizer.Step();
                logScale.Clamp();
                lastLoss = loss.Item();
                if (!float.IsFinite(lastLoss))
                {
                    throw new InvalidOperationException($"The loss became {lastLoss} at epoch {epoch + 1}, step {optimizer.Steps}; lower Training:LearningRate.");
                }
                samples += batch.Count;
                stepsThisSession++;
                var seconds = Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                var end = StopsAt(epoch);
                progress?.Invoke(new TrainingProgress(epoch + 1, options.Epochs, optimizer.Steps, totalSteps, lastLoss,
                    samples / seconds, seconds / stepsThisSession * Math.Max(0, (end ?? totalSteps) - optimizer.Steps), StopsAt: end));
            }
            EpochsDone = epoch + 1;
            double? score = null;
            if (validate is not null)
            {
                audio.Training = false;
                image.Training = false;
                score = validate();
                audio.Training = true;
                image.Training = true;
                _scores.Add(score.Value);
                if (score > best)
                {
                    (best, sinceBest) = (score.Value, 0);
                    if (stopEarly)
                    {
                        bestHeads = Copy(audio, image, bestHeads);
                        BestEpoch = epoch + 1;
                    }
                }
                else
                {
                    sinceBest++;
                }
            }
            // Saved after the epoch's validation, so the checkpoint holds it and the best heads so far.
            if (checkpointFolder is not null)
            {
                TrainingCheckpoint.Save(checkpointFolder, new TrainingCheckpoint(epoch + 1, optimizer.Steps, logScale.Value.Value.Item(), lastLoss,
                    BestEpoch, double.IsFinite(best) ? best : null, sinceBest, validate is null ? null : [.. _scores]), audio, image, optimizer, bestHeads);
                CheckpointSaved?.Invoke(epoch + 1);
            }
            if (score is not null)
            {
                var seconds = Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                var end = StopsAt(epoch + 1);
                progress?.Invoke(new TrainingProgress(epoch + 1, options.Epochs, optimizer.Steps, totalSteps, lastLoss, samples / seconds,
                    seconds / Math.Max(1, stepsThisSession) * Math.Max(0, (end ?? totalSteps) - optimizer.Steps), score, best, end));
                if (stopEarly)
                {
                    StopReason = sinceBest >= options.Patience && optimizer.Steps >= options.MinSteps
                            ? $"no better validation score for {sinceBest} epochs (Training:Patience) after {optimizer.Steps} steps"
                        : optimizer.Steps >= options.MaxSteps ? $"reached {options.MaxSteps} steps (Training:MaxSteps)"
                        : clock.Elapsed >= options.MaxDuration ? $"ran {clock.Elapsed.TotalMinutes:F0} minutes (Training:MaxMinutes)"
                        : epoch + 1 == options.Epochs ? $"reached {options.Epochs} epochs (Training:MaxEpochs)"
                        : null;
                    if (StopReason is not null)
                    {
                        break;
                    }
                }
            }
        }
        if (bestHeads is { } kept)
        {
            audio.LoadWeights(kept.Audio);
            image.LoadWeights(kept.Image);
        }
        audio.Training = false;
        image.Training = false;
        LastLoss = lastLoss;
        Steps = optimizer.Steps;
        return MathF.Exp(logScale.Value.Value.Item());
    }

    /// <summary>A copy of the heads' weights (into <paramref name="into"/> when given).</summary>
    private static (AudioHead, ImageAdapter) Copy(AudioHead audio, ImageAdapter image, (AudioHead Audio, ImageAdapter Image)? into)
    {
        var (audioCopy, imageCopy) = into ?? (new AudioHead(audio.Config, new Random(0)), new ImageAdapter(image.Size));
        audioCopy.LoadWeights(audio);
        imageCopy.LoadWeights(image);
        return (audioCopy, imageCopy);
    }

    /// <summary>The loss of one batch: InfoNCE of the audio vectors against the images, plus the inner and text terms.</summary>
    private Tensor Loss(IReadOnlyList<PairGroup> batch, AudioHead audio, ImageAdapter image, Tensor logScale, int epoch, Random random)
    {
        var mask = SharedMask(batch);
        var (audioVectors, acousticVectors, pipelineVectors, imageVectors) = options.FrameMatch == FrameMatch.Multiframe && batch.Any(g => g.IsVideo)
            ? Multiframe(batch, audio, image, random)
            : OneFrame(batch, audio, image, epoch, random);
        // Each term is InfoNCE against the same rows; the fused vector's gets the weight the others leave.
        var terms = new List<(Tensor Loss, float Weight)>();
        if (acousticVectors is not null && options.InnerOuterWeight > 0)
        {
            var partner = options.InnerPairing == InnerPairing.Pipeline && pipelineVectors is not null ? pipelineVectors : imageVectors;
            terms.Add((Ops.SymmetricInfoNce(acousticVectors, partner, logScale, mask), options.InnerOuterWeight));
        }
        if (pipelineVectors is not null && options.TextWeight > 0)
        {
            // It moves the text path only: against the images as the other terms embed them, at the temperature they
            // learn. Where transcripts say little (all alike) this term is best served by flat similarities, and would
            // otherwise pull the shared temperature and the image adapter that way for everything else.
            var fixedScale = Tensor.FromArray([logScale.Item()], 1);
            terms.Add((Ops.SymmetricInfoNce(pipelineVectors, imageVectors.Detach(), fixedScale, mask), options.TextWeight));
        }
        var loss = Ops.SymmetricInfoNce(audioVectors, imageVectors, logScale, mask);
        if (terms.Count > 0)
        {
            loss = Ops.Scale(loss, 1 - terms.Sum(t => t.Weight));
            foreach (var (term, weight) in terms)
            {
                loss = Ops.Add(loss, Ops.Scale(term, weight));
            }
        }
        return loss;
    }

    private (Tensor Audio, Tensor? Acoustic, Tensor? Pipeline, Tensor Image) OneFrame(IReadOnlyList<PairGroup> batch, AudioHead audio, ImageAdapter image, int epoch, Random random)
    {
        var segments = batch.Select(g => g.Segments[random.Next(g.Segments.Count)]).ToList();
        var inputs = segments.Select(reader.Read).Select(input => Augmented(input, random)).ToList();
        var output = audio.Forward(inputs, options.Channels);
        var size = image.Size;
        var chosen = new float[batch.Count * size];
        float[]? audioRows = null;
        for (var b = 0; b < batch.Count; b++)
        {
            // Only frames of the time the audio window covers: a frame from minute 3 says nothing about second 10.
            var frames = batch[b].Frames;
            var eligible = FrameSelection.Overlapping(frames, segments[b].StartSeconds, segments[b].EndSeconds);
            int frame;
            if (eligible.Count == 1)
            {
                frame = eligible[0];
            }
            else if (options.FrameMatch == FrameMatch.Nearest && epoch >= options.NearestMatchFromEpoch)
            {
                audioRows ??= output.Fused.ToArray();
                using var _ = GradMode.Disable();
                var candidates = image.Forward(Tensor.FromArray(eligible.SelectMany(f => frames[f].ImageEmbeds).ToArray(), eligible.Count, size)).ToArray();
                frame = eligible[FrameSelection.Nearest(audioRows.AsSpan(b * output.Fused.Shape[1], output.Fused.Shape[1]),
                    Enumerable.Range(0, eligible.Count).Select(f => candidates.AsSpan(f * size, size).ToArray()).ToList())];
            }
            else
            {
                frame = eligible[random.Next(eligible.Count)];
            }
            frames[frame].ImageEmbeds.CopyTo(chosen, b * size);
        }
        var images = image.Forward(Tensor.FromArray(chosen, batch.Count, size));
        var both = options.Channels == AudioChannels.Both;
        return (output.Fused, both ? output.Acoustic : null, both ? output.Pipeline : null, images);
    }

    /// <summary>
    /// Each video's audio cut into its L frames' spans, each span embedded (the transcript of the window the
    /// span falls in, the span's Whisper states), L x D audio against L x D frames, flattened. A still pair
    /// in the batch repeats its one vector L times, which keeps its similarity the plain cosine.
    /// </summary>
    private (Tensor Audio, Tensor? Acoustic, Tensor? Pipeline, Tensor Image) Multiframe(IReadOnlyList<PairGroup> batch, AudioHead audio, ImageAdapter image, Random random)
    {
        var rows = batch.Max(g => g.Frames.Count);
        var inputs = new List<AudioHeadInput>();
        var audioIndex = new int[batch.Count * rows];
        var frameEmbeds = new float[batch.Count * rows * image.Size];
        for (var b = 0; b < batch.Count; b++)
        {
            var group = batch[b];
            var first = inputs.Count;
            if (group.IsVideo)
            {
                inputs.AddRange(SpanInputs(group, reader).Select(input => Augmented(input, random)));
            }
            else
            {
                inputs.Add(Augmented(reader.Read(group.Segments[0]), random));
            }
            var own = inputs.Count - first;
            for (var l = 0; l < rows; l++)
            {
                audioIndex[b * rows + l] = first + Math.Min(l, own - 1);
                var frame = group.Frames[Math.Min(l, group.Frames.Count - 1)];
                frame.ImageEmbeds.CopyTo(frameEmbeds, (b * rows + l) * image.Size);
            }
        }
        var output = audio.Forward(inputs, options.Channels);
        Tensor Flatten(Tensor unitRows) => Ops.Scale(
            Ops.Reshape(Ops.Concat(audioIndex.Select(i => Ops.Slice(unitRows, 0, i, 1)).ToList(), 0), batch.Count, rows * unitRows.Shape[1]),
            1 / MathF.Sqrt(rows));
        var images = Ops.Scale(Ops.Reshape(image.Forward(Tensor.FromArray(frameEmbeds, batch.Count * rows, image.Size)), batch.Count, rows * image.Size),
            1 / MathF.Sqrt(rows));
        var both = options.Channels == AudioChannels.Both;
        return (Flatten(output.Fused), both && output.Acoustic is { } acoustic ? Flatten(acoustic) : null,
            both && output.Pipeline is { } pipeline ? Flatten(pipeline) : null, images);
    }

    /// <summary>A training segment's Whisper states changed by <see cref="TrainerOptions.Augmentation"/> (as they are when it is none).</summary>
    private AudioHeadInput Augmented(AudioHeadInput input, Random random)
        => options.Augmentation.IsNone ? input : input with { WhisperStates = FeatureAugmentation.Apply(input.WhisperStates, options.Augmentation, random) };

    /// <summary>
    /// A video's audio cut into its frames' spans, one head input each: the span's Whisper states (slices
    /// of the recording's windows joined in time order) with the transcript of the window the span's middle
    /// falls in.
    /// </summary>
    public static List<AudioHeadInput> SpanInputs(PairGroup group, ISegmentReader reader)
    {
        var segments = group.Segments.Select(reader.Read).ToList();
        var whole = segments.Count == 1 ? segments[0].WhisperStates : Ops.Concat(segments.Select(s => s.WhisperStates).ToList(), 0);
        var inputs = new List<AudioHeadInput>();
        foreach (var (start, count) in FrameSelection.Spans(group.Frames, whole.Shape[0]))
        {
            var middle = (start + count / 2.0) / CachedFeatures.WhisperFramesPerSecond;
            var segment = 0;
            while (segment + 1 < group.Segments.Count && group.Segments[segment + 1].StartSeconds <= middle)
            {
                segment++;
            }
            inputs.Add(segments[segment] with { WhisperStates = Ops.Slice(whole, 0, start, count) });
        }
        return inputs;
    }

    /// <summary>True at (i, j), i ≠ j, where two rows share their recording or their image: neither is the other's negative.</summary>
    public static bool[] SharedMask(IReadOnlyList<PairGroup> batch)
    {
        var n = batch.Count;
        var mask = new bool[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                mask[i * n + j] = i != j && (batch[i].RecordingId == batch[j].RecordingId || batch[i].ImageKey == batch[j].ImageKey);
            }
        }
        return mask;
    }

    private sealed class LogScaleModule : Module
    {
        public LogScaleModule(float initial) => Value = AddParameter("log_scale", Tensor.FromArray([initial], 1));

        public Parameter Value { get; }

        public void Clamp() => Value.Value.Span[0] = Math.Min(Value.Value.Span[0], MathF.Log(TrainerOptions.MaxLogitScale));
    }
}
