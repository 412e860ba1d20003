using System.Diagnostics;
using System.Globalization;
using BrewClip.Models;
using BrewClip.Models.Heads;
using BrewClip.Models.Training;
using BrewClip.Storage;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.ModelVersions;
using BrewClip.Training.Data;
using BrewClip.Training.ModelVersions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Training.Runs;

/// <summary>
/// One training run from its request to its end: checks there is enough data, fine-tunes the active
/// version's heads (or fresh ones) on the train pairs with a checkpoint every epoch, measures validation
/// recall of the active version and the candidate on the same pairs, registers the candidate with its
/// metrics, and hands it to promotion only when it beats the active version by Training:MinImprovement
/// (otherwise the candidate ends rejected and nothing changes).
/// </summary>
internal sealed class RunExecutor(
    NpgsqlDataSource dataSource,
    TrainingRunStore runs,
    TrainingPairs pairs,
    ModelVersionRegistry registry,
    ModelPromotion promotion,
    IArtifactStore artifacts,
    RunCheckpoints checkpoints,
    IOptions<TrainingOptions> options,
    ILogger<RunExecutor> logger)
{
    /// <summary>Runs (or resumes) a claimed run. A cancellation of <paramref name="stoppingToken"/> leaves it running, to resume from its checkpoint.</summary>
    public async Task<RunOutcome> ExecuteAsync(TrainingRun run, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (await runs.CandidateOfAsync(run.Id, stoppingToken).ConfigureAwait(false) is { } registered)
        {
            // Killed after registering its candidate: only the decision is left.
            return await DecideAsync(run, registered.Version, registered.Status, registered.Metrics, stoppingToken).ConfigureAwait(false);
        }
        if (!run.Force)
        {
            var (fresh, since) = await runs.NewTrainPairsAsync(stoppingToken).ConfigureAwait(false);
            if (fresh < settings.MinNewPairs)
            {
                return RunOutcome.Skipped(string.Create(CultureInfo.InvariantCulture,
                    $"{fresh} new train pairs {(since is null ? "so far" : $"since the run of {since:u}")}; Training:MinNewPairs is {settings.MinNewPairs} (a forced request trains anyway)"));
            }
        }

        await runs.SetMessageAsync(run.Id, "loading pairs", stoppingToken).ConfigureAwait(false);
        var train = await pairs.LoadAsync("train", run.StartedAt, stoppingToken).ConfigureAwait(false);
        var validation = await pairs.LoadAsync("validation", run.StartedAt, stoppingToken).ConfigureAwait(false);
        var gallery = await pairs.LoadGalleryAsync(settings.GalleryImages, stoppingToken).ConfigureAwait(false);
        var waiting = train.WithoutFeatures + validation.WithoutFeatures;
        var waitingNote = waiting > 0 ? $" ({waiting} more wait for their cached features)" : "";
        if (train.Groups.Count < settings.MinPairs)
        {
            return RunOutcome.Skipped($"too few pairs to train: {train.Groups.Count} train pairs have cached features{waitingNote}; Training:MinPairs needs {settings.MinPairs}");
        }
        if (validation.Groups.Count == 0)
        {
            return RunOutcome.Skipped($"no validation pairs to measure a candidate on{waitingNote}: about 10% of groups (an image with all its recordings, a recording with all its images) are held out, so add more pairs");
        }

        var reader = new CachingSegmentReader(new StoreSegmentReader(artifacts), settings.FeatureCacheMegabytes * 1024L * 1024L);
        var sample = reader.Read(train.Groups[0].Segments[0]);
        // The heads map into the space of the CLIP whose features are cached: its width is the version's (512 or 768).
        var width = train.Groups[0].Frames[0].ImageEmbeds.Length;
        var config = new AudioHeadConfig(sample.TokenStates.Shape[1], sample.WhisperStates.Shape[1], settings.HeadWidth, settings.Prompts, settings.Heads,
            width, settings.AcousticPool);
        var frameMatch = Enum.Parse<FrameMatch>(run.FrameMatch ?? settings.FrameMatch, ignoreCase: true);
        var trainer = settings.Trainer(run.Epochs, frameMatch);

        var (activeVersion, activeAudio, activeImage) = await ActiveAsync(stoppingToken).ConfigureAwait(false);
        var audio = new AudioHead(config, new Random(settings.Seed));
        var image = new ImageAdapter(width);
        var basis = $"fresh heads (version {activeVersion} has none of this shape)";
        if (activeAudio is not null && activeAudio.Config == config && activeImage!.Size == image.Size)
        {
            audio.LoadWeights(activeAudio);
            image.LoadWeights(activeImage);
            basis = $"version {activeVersion}'s heads";
        }
        else if (activeAudio is null)
        {
            basis = $"fresh heads (version {activeVersion} is the zero-shot model they start as)";
        }

        var length = trainer.StopEarly
            ? $"until validation stops improving (at most {trainer.Epochs} epochs, {trainer.MaxSteps} steps, {settings.MaxMinutes} minutes)"
            : $"{trainer.Epochs} epochs";
        logger.LogInformation("Training run {Run}: {Train} train and {Validation} validation pairs, {Length}, frame match {FrameMatch}, from {Basis}",
            run.Id, train.Groups.Count, validation.Groups.Count, length, frameMatch, basis);
        var checkpoint = checkpoints.LocalFolder(run.Id);
        await checkpoints.RestoreAsync(run.Id, stoppingToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        // Each epoch's checkpoint is copied to the artifact store too, for a replica on another machine to resume from.
        var headTrainer = new HeadTrainer(trainer, reader)
        {
            CheckpointSaved = epochs => checkpoints.UploadAsync(run.Id, epochs, stoppingToken).GetAwaiter().GetResult(),
        };
        var logitScale = await TrainAsync(run, headTrainer, train.Groups, audio, image, checkpoint, "training",
            () => PromotionGate.Mean(HeadEvaluator.Evaluate(validation.Groups, audio, image, reader, gallery: gallery).AudioToImage), stoppingToken).ConfigureAwait(false);
        var trainSeconds = clock.Elapsed.TotalSeconds;

        await runs.SetMessageAsync(run.Id, "evaluating on the validation pairs", stoppingToken).ConfigureAwait(false);
        var recordingGallery = await pairs.LoadRecordingGalleryAsync(settings.GalleryRecordings, stoppingToken).ConfigureAwait(false);
        var activeReport = HeadEvaluator.Evaluate(validation.Groups, activeAudio, activeImage, reader, gallery: gallery, recordingGallery: recordingGallery);
        var candidateReport = HeadEvaluator.Evaluate(validation.Groups, audio, image, reader, gallery: gallery, recordingGallery: recordingGallery);
        var improvement = candidateReport.MeanRecall - activeReport.MeanRecall;
        var decision = new PromotionGate(settings.MinImprovement, settings.MaxRegression, settings.MinValidationPairs).Decide(activeReport, candidateReport);
        var metrics = new TrainingMetrics
        {
            ActiveVersion = activeVersion,
            Active = activeReport,
            Candidate = candidateReport,
            Improvement = candidateReport.MeanRecall - activeReport.MeanRecall,
            MinImprovement = settings.MinImprovement,
            MaxRegression = settings.MaxRegression,
            MinValidationPairs = settings.MinValidationPairs,
            AudioToImageGain = decision.AudioToImageGain,
            AudioToImageGainInterval = decision.GainInterval is { } interval ? [interval.Low, interval.High] : null,
            ImageToAudioChange = decision.ImageToAudioChange,
            TextToImageChange = decision.TextToImageChange,
            Decision = decision.Promote ? TrainingDecision.Promote : TrainingDecision.Reject,
            DecisionReason = decision.Reason,
            TrainPairs = train.Groups.Count,
            ValidationPairs = validation.Groups.Count,
            GalleryImages = gallery.Sum(g => g.Frames.Count),
            GalleryRecordings = recordingGallery.Select(r => r.Key).Except(validation.Groups.Select(v => v.RecordingId)).Count(),
            Epochs = headTrainer.EpochsDone,
            Steps = headTrainer.Steps,
            StoppedEarly = trainer.StopEarly,
            BestEpoch = headTrainer.BestEpoch,
            StopReason = headTrainer.StopReason,
            ValidationByEpoch = headTrainer.ValidationScores.Select(score => Math.Round(score, 4)).ToArray(),
            FrameMatch = frameMatch.ToString().ToLowerInvariant(),
            Seed = trainer.Seed,
            InnerOuterWeight = trainer.InnerOuterWeight,
            InnerPairing = trainer.InnerPairing.ToString().ToLowerInvariant(),
            TextWeight = trainer.TextWeight,
            AcousticPool = config.FramePool,
            Augmentation = trainer.Augmentation,
            StartedFrom = basis,
            LogitScale = logitScale,
            AcousticGate = audio.AcousticGate.Value.Item(),
            TrainSeconds = Math.Round(trainSeconds, 1),
            ResumedFromEpoch = headTrainer.ResumedFromEpoch,
            FinalLoss = float.IsFinite(headTrainer.LastLoss) ? headTrainer.LastLoss : null,
        };
        if (HeadEvaluator.EvaluateVideos(validation.Groups, activeAudio, activeImage, reader) is { } activeVideos)
        {
            // Videos' audio span by span against their frames in order: what the frame match is for.
            metrics = metrics with { VideoTemporal = new VersionComparison(activeVideos, HeadEvaluator.EvaluateVideos(validation.Groups, audio, image, reader)!) };
        }
        if (settings.Ablations)
        {
            var ablations = new Dictionary<string, RetrievalReport>();
            foreach (var (name, channels) in new[] { ("pipeline_only", AudioChannels.Pipeline), ("acoustic_only", AudioChannels.Acoustic) })
            {
                var ablationAudio = new AudioHead(config, new Random(settings.Seed));
                var ablationImage = new ImageAdapter(width);
                await TrainAsync(run, new HeadTrainer(trainer with { Channels = channels }, reader), train.Groups, ablationAudio, ablationImage, null,
                    $"ablation {name.Replace('_', '-')}",
                    () => PromotionGate.Mean(HeadEvaluator.Evaluate(validation.Groups, ablationAudio, ablationImage, reader, channels, gallery).AudioToImage),
                    stoppingToken).ConfigureAwait(false);
                ablations[name] = HeadEvaluator.Evaluate(validation.Groups, ablationAudio, ablationImage, reader, channels, gallery, recordingGallery);
            }
            metrics = metrics with { Ablations = ablations };
        }

        var headsUri = await UploadHeadsAsync(run, audio, image, stoppingToken).ConfigureAwait(false);
        var description = string.Create(CultureInfo.InvariantCulture,
            $"trained by run {run.Id} on {train.Groups.Count} pairs ({metrics.Epochs} epochs{(metrics.BestEpoch is { } bestEpoch ? $", best {bestEpoch}" : "")}, {metrics.FrameMatch}): mean validation recall {candidateReport.MeanRecall:F3} vs {activeReport.MeanRecall:F3} of version {activeVersion}");
        var version = await registry.RegisterAsync(headsUri, description, run.Id, metrics.ToJson(), stoppingToken).ConfigureAwait(false);
        return await DecideAsync(run, version, ModelVersionStatus.Candidate, metrics, stoppingToken).ConfigureAwait(false);
    }

    private async Task<RunOutcome> DecideAsync(TrainingRun run, int version, ModelVersionStatus status, TrainingMetrics metrics, CancellationToken cancellationToken)
    {
        var comparison = string.Create(CultureInfo.InvariantCulture,
            $"mean validation recall {metrics.Candidate.MeanRecall:F3} against {metrics.Active.MeanRecall:F3} of version {metrics.ActiveVersion}")
            + (metrics.DecisionReason is { } gate ? $"; {gate}" : "");
        if (metrics.Decision != TrainingDecision.Promote)
        {
            if (status == ModelVersionStatus.Candidate)
            {
                await registry.RejectAsync(version, $"not better than version {metrics.ActiveVersion}: {comparison}", cancellationToken).ConfigureAwait(false);
            }
            return new RunOutcome(TrainingRunStatus.Rejected, $"version {version} rejected: {comparison}", metrics, version);
        }
        if (status != ModelVersionStatus.Candidate)
        {
            return new RunOutcome(TrainingRunStatus.Succeeded, $"version {version} handed to promotion ({status.ToDatabase()}): {comparison}", metrics, version);
        }
        try
        {
            await promotion.PromoteAsync(version, cancellationToken).ConfigureAwait(false);
            return new RunOutcome(TrainingRunStatus.Succeeded, $"version {version} promoted, backfilling: {comparison}", metrics, version);
        }
        catch (ModelRequestRefusedException e)
        {
            logger.LogWarning("Training run {Run}: version {Version} stays a candidate: {Reason}", run.Id, version, e.Message);
            return new RunOutcome(TrainingRunStatus.Succeeded, $"version {version} is a candidate, not promoted ({e.Message}): {comparison}", metrics, version);
        }
    }

    /// <summary>Trains on a worker thread, writing progress every Training:ProgressSeconds and stopping within a step of a cancellation.</summary>
    private async Task<float> TrainAsync(TrainingRun run, HeadTrainer trainer, List<PairGroup> train, AudioHead audio, ImageAdapter image,
        string? checkpoint, string what, Func<double> validate, CancellationToken stoppingToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var interval = TimeSpan.FromSeconds(options.Value.ProgressSeconds);
        var lastReport = Stopwatch.StartNew();
        var cancelled = false;
        void Report(TrainingProgress progress)
        {
            // An epoch's validation is always written; steps every Training:ProgressSeconds.
            if (progress.Validation is null && lastReport.Elapsed < interval && progress.Step < progress.TotalSteps)
            {
                return;
            }
            lastReport.Restart();
            var upTo = trainer.Options.StopEarly ? $"up to {progress.Epochs}" : $"{progress.Epochs}";
            var message = string.Create(CultureInfo.InvariantCulture,
                $"{what}: epoch {progress.Epoch}/{upTo}, {TrainingProgress.StepText(progress.Step, progress.StopsAt, progress.TotalSteps)}, loss {progress.Loss:F4}, {progress.SamplesPerSecond:F1} samples/s")
                + (progress.Validation is { } score
                    ? string.Create(CultureInfo.InvariantCulture, $", validation audio->image recall {score:F3} (best {progress.BestValidation:F3})")
                    : "");
            try
            {
                if (runs.ReportAsync(run.Id, progress, message, stop.Token).GetAwaiter().GetResult())
                {
                    cancelled = true;
                    stop.Cancel();
                }
            }
            catch (NpgsqlException e)
            {
                // Progress is for people watching; training goes on while the database is away.
                logger.LogWarning("Training run {Run}: progress not written ({Reason})", run.Id, e.Message);
            }
        }
        try
        {
            return await Task.Run(() => trainer.Train(train, audio, image, checkpoint, Report, stop.Token, validate), stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancelled && !stoppingToken.IsCancellationRequested)
        {
            throw new RunCancelledException();
        }
    }

    /// <summary>The active version and its heads (none for version 0), read from the artifact store.</summary>
    private async Task<(int Version, AudioHead? Audio, ImageAdapter? Image)> ActiveAsync(CancellationToken cancellationToken)
    {
        int version;
        string? uri;
        await using (var command = dataSource.CreateCommand("select version, artifact_uri from brewclip.active_model"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("No model version is active.");
            }
            (version, uri) = (reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1));
        }
        if (uri is null)
        {
            return (version, null, null);
        }
        using var folder = await artifacts.FetchFolderAsync(uri, HeadFolder.Files, cancellationToken).ConfigureAwait(false);
        return (version, AudioHead.Load(folder.Path), ImageAdapter.Load(folder.Path));
    }

    /// <summary>
    /// Saves the candidate's heads and uploads them to the artifact store (<c>heads/run-&lt;id&gt;/</c>, where every
    /// service reads them once the version is registered); returns their folder's URI. A run resumed after a crash
    /// uploads again over what it left.
    /// </summary>
    private async Task<string> UploadHeadsAsync(TrainingRun run, AudioHead audio, ImageAdapter image, CancellationToken cancellationToken)
    {
        var name = $"run-{run.Id.ToString(CultureInfo.InvariantCulture)}";
        var staged = Path.Combine(Path.GetDirectoryName(checkpoints.LocalFolder(run.Id))!, "heads");
        if (Directory.Exists(staged))
        {
            Directory.Delete(staged, recursive: true);
        }
        try
        {
            audio.Save(staged);
            image.Save(staged);
            return await artifacts.WriteFolderAsync($"{ModelVersionRegistry.HeadsKey}/{name}", staged, HeadFolder.Files, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(staged, recursive: true);
        }
    }

}
