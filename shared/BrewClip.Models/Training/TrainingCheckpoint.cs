using System.Text.Json;
using BrewClip.Autograd.Optim;
using BrewClip.Autograd.Safetensors;
using BrewClip.Models.Heads;

namespace BrewClip.Models.Training;

/// <summary>
/// A run's state after a whole epoch: both heads, the optimiser's moments, the logit scale and how far
/// it got, and its validation so far (every epoch's score, the best epoch's heads and score, and how many epochs
/// since it), so a run resumed after a crash stops early exactly where it would have and keeps the same best heads.
/// Written to a sibling folder and swapped in by renames, so a process killed while saving leaves the previous
/// checkpoint whole.
/// </summary>
public sealed record TrainingCheckpoint(int EpochsDone, int Steps, float LogScale, float LastLoss,
    int? BestEpoch = null, double? BestScore = null, int SinceBest = 0, double[]? Scores = null)
{
    private const string StateFile = "trainer.json";
    private const string OptimizerFile = "optimizer.safetensors";
    private const string BestPrefix = "best_";

    private static readonly string[] HeadFiles = [AudioHead.ConfigFile, AudioHead.WeightsFile, ImageHead.FileName];

    /// <summary>Every file of a checkpoint's folder (the best epoch's heads under <c>best_</c> names).</summary>
    public static IReadOnlyList<string> Files { get; } =
        [.. HeadFiles, OptimizerFile, StateFile, .. HeadFiles.Select(f => BestPrefix + f)];

    /// <summary>How many epochs the checkpoint <see cref="TryLoad"/> would resume had done; 0 when there is none.</summary>
    public static int EpochsIn(string folder)
    {
        foreach (var source in new[] { folder, folder + ".old" })
        {
            var state = Path.Combine(source, StateFile);
            if (File.Exists(state))
            {
                return JsonSerializer.Deserialize<TrainingCheckpoint>(File.ReadAllText(state))?.EpochsDone ?? 0;
            }
        }
        return 0;
    }

    /// <summary>Saves the checkpoint; <paramref name="best"/> are the best epoch's heads (the current ones when there is none yet).</summary>
    public static void Save(string folder, TrainingCheckpoint state, AudioHead audio, ImageAdapter image, AdamW optimizer,
        (AudioHead Audio, ImageAdapter Image)? best = null)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(folder))!;
        Directory.CreateDirectory(parent);
        var staging = folder + ".new";
        var old = folder + ".old";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }
        audio.Save(staging);
        image.Save(staging);
        var bestFolder = Path.Combine(staging, "best");
        (best?.Audio ?? audio).Save(bestFolder);
        (best?.Image ?? image).Save(bestFolder);
        foreach (var file in HeadFiles)
        {
            File.Move(Path.Combine(bestFolder, file), Path.Combine(staging, BestPrefix + file));
        }
        Directory.Delete(bestFolder);
        SafetensorsFile.Write(Path.Combine(staging, OptimizerFile), optimizer.StateTensors());
        File.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(state));
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }
        if (Directory.Exists(folder))
        {
            Directory.Move(folder, old);
        }
        Directory.Move(staging, folder);
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }
    }

    /// <summary>The last whole checkpoint in <paramref name="folder"/> (or the one a crash left mid-swap), or null when there is none.</summary>
    public static TrainingCheckpoint? TryLoad(string folder, AudioHead audio, ImageAdapter image, AdamW optimizer)
    {
        var source = Directory.Exists(folder) && File.Exists(Path.Combine(folder, StateFile)) ? folder
            : Directory.Exists(folder + ".old") && File.Exists(Path.Combine(folder + ".old", StateFile)) ? folder + ".old"
            : null;
        if (source is null)
        {
            return null;
        }
        var state = JsonSerializer.Deserialize<TrainingCheckpoint>(File.ReadAllText(Path.Combine(source, StateFile)))
            ?? throw new InvalidDataException($"{source}/{StateFile} is not a training checkpoint.");
        audio.LoadWeights(AudioHead.Load(source));
        audio.Training = true;
        image.LoadWeights(ImageAdapter.Load(source));
        var (tensors, _) = SafetensorsFile.Read(Path.Combine(source, OptimizerFile));
        optimizer.LoadState(tensors, state.Steps);
        return state;
    }

    /// <summary>The best epoch's heads of the checkpoint <see cref="TryLoad"/> reads, or null when it has none (one saved before they were kept).</summary>
    public static (AudioHead Audio, ImageAdapter Image)? TryLoadBest(string folder)
    {
        var source = Directory.Exists(folder) && File.Exists(Path.Combine(folder, StateFile)) ? folder
            : Directory.Exists(folder + ".old") && File.Exists(Path.Combine(folder + ".old", StateFile)) ? folder + ".old"
            : null;
        if (source is null || HeadFiles.Any(f => !File.Exists(Path.Combine(source, BestPrefix + f))))
        {
            return null;
        }
        var scratch = Directory.CreateTempSubdirectory("brewclip-best-heads-").FullName;
        try
        {
            foreach (var file in HeadFiles)
            {
                File.Copy(Path.Combine(source, BestPrefix + file), Path.Combine(scratch, file));
            }
            return (AudioHead.Load(scratch), ImageAdapter.Load(scratch));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>Removes a finished run's checkpoint.</summary>
    public static void Delete(string folder)
    {
        foreach (var path in new[] { folder, folder + ".new", folder + ".old" })
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }
}
