using BrewClip.Models;
using BrewClip.Models.Training;
using BrewClip.Storage;
using BrewClip.Storage.Artifacts;
using BrewClip.Training.Runs;
using Microsoft.Extensions.Logging.Abstractions;

namespace BrewClip.Services.Tests;

/// <summary>A run's checkpoint copies in the artifact store when a replica died between naming its copy the latest and deleting the one before.</summary>
public sealed class RunCheckpointsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("brewclip-checkpoints-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task The_copy_a_killed_replica_left_behind_goes_with_the_next_copy_or_when_the_run_ends()
    {
        var artifacts = new FileSystemArtifactStore(Path.Combine(_root, "artifacts"));
        var checkpoints = new RunCheckpoints(new ModelStore(Path.Combine(_root, "models")), artifacts, NullLogger<RunCheckpoints>.Instance);
        var local = checkpoints.LocalFolder(7);
        Directory.CreateDirectory(local);
        foreach (var file in TrainingCheckpoint.Files)
        {
            await File.WriteAllTextAsync(Path.Combine(local, file), file);
        }
        string[] Copies() => [.. Directory.EnumerateDirectories(Path.Combine(_root, "artifacts", "training", "runs", "7"))
            .Where(d => Directory.EnumerateFiles(d).Any()).Select(Path.GetFileName).Order()!];

        await checkpoints.UploadAsync(7, 1, CancellationToken.None);
        await checkpoints.UploadAsync(7, 2, CancellationToken.None);
        Assert.Equal(["epoch-2"], Copies());
        // Killed after naming epoch 3 the latest, before deleting epoch 2's copy.
        await artifacts.WriteFolderAsync("training/runs/7/epoch-3", local, TrainingCheckpoint.Files);
        await artifacts.WriteAsync("training/runs/7/latest.json", stream => stream.WriteAsync("""{"Epochs":3,"Uri":"x"}"""u8.ToArray()).AsTask());
        Assert.Equal(["epoch-2", "epoch-3"], Copies());

        // The replica that resumed from epoch 3 copies epoch 4: both earlier copies go.
        await checkpoints.UploadAsync(7, 4, CancellationToken.None);
        Assert.Equal(["epoch-4"], Copies());

        // And when the run ends right after a resume, with no epoch after it.
        await artifacts.WriteFolderAsync("training/runs/7/epoch-5", local, TrainingCheckpoint.Files);
        await artifacts.WriteAsync("training/runs/7/latest.json", stream => stream.WriteAsync(
            System.Text.Encoding.UTF8.GetBytes($$"""{"Epochs":5,"Uri":"{{artifacts.UriOf("training/runs/7/epoch-5")}}"}""")).AsTask());
        await checkpoints.DeleteAsync(7, CancellationToken.None);
        Assert.Empty(Copies());
        Assert.False(File.Exists(Path.Combine(_root, "artifacts", "training", "runs", "7", "latest.json")));
    }
}
