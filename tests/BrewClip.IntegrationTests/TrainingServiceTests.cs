using System.Globalization;
using BrewClip.Models.Heads;

namespace BrewClip.IntegrationTests;

/// <summary>
/// The Training service's runs on pairs whose features are cached, with the real Postgres, RabbitMQ and CLI:
/// too few pairs, a run killed with kill -9 and resumed, requests that coalesce while a run is going,
/// cancellation, the schedule, and multiframe against random frames on videos. The gate is set out of reach (Training:MinImprovement = 1), so each
/// finished run ends with its candidate rejected and nothing else changes.
/// </summary>
public sealed class TrainingServiceTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Small heads over long clips: a step costs enough that a run takes seconds an epoch and can be caught midway.</summary>
    private static Dictionary<string, string> Settings(Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["BREWCLIP__Training__Schedule"] = "00:00:00",
            // These tests are about the run's life (requests, cancel, resume, schedule): a fixed length keeps them short.
            ["BREWCLIP__Training__Epochs"] = "10",
            ["BREWCLIP__Training__HeadWidth"] = "32",
            ["BREWCLIP__Training__Heads"] = "2",
            ["BREWCLIP__Training__Prompts"] = "2",
            ["BREWCLIP__Training__BatchSize"] = "8",
            ["BREWCLIP__Training__ProgressSeconds"] = "0.2",
            ["BREWCLIP__Training__RunPollSeconds"] = "1",
            ["BREWCLIP__Training__MinImprovement"] = "1",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }
        return settings;
    }

    private static Task<string> StatusOf(PromotionStack stack, long run)
        => stack.Db.ScalarAsync<string>($"select status from brewclip.training_runs where id = {run}");

    private static readonly HashSet<string> Final = ["succeeded", "rejected", "skipped", "failed", "cancelled"];

    [Fact]
    public async Task Too_few_pairs_end_the_run_saying_how_many_it_has_and_needs()
    {
        await using var stack = await PromotionStack.CreateAsync();
        var train = await stack.SeedPairsAsync(6);
        await stack.StartAsync("BrewClip.Training", Settings());

        var cli = await stack.CliAsync("retrain", "--wait");

        // Exit 5: the run was skipped (not failed, not rejected).
        Assert.Equal(5, cli.ExitCode);
        Assert.Contains($"too few pairs to train: {train} train pairs have cached features; Training:MinPairs needs 16", cli.Stdout, StringComparison.Ordinal);
        Assert.Equal("skipped", await stack.Db.ScalarAsync<string>("select status from brewclip.training_runs"));
        Assert.Equal(0L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.model_versions where version > 0"));

        // A bad option from SQL is refused with the reason, and queues nothing.
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => stack.Db.ExecuteAsync("select brewclip.request_retrain(frame_match => 'sideways')"));
        Assert.Contains("frame_match must be random, nearest or multiframe; got sideways", refused.MessageText, StringComparison.Ordinal);
        Assert.Equal(1L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.training_runs"));

        // Loss weights that leave the fused loss nothing stop a service at start, naming both.
        var extra = Settings();
        extra["BREWCLIP__Training__InnerOuterWeight"] = "0.5";
        extra["BREWCLIP__Training__TextWeight"] = "0.5";
        await using var misconfigured = ServiceProcess.Start("BrewClip.Training", stack.Settings(ServiceProcess.FreePort(), extra));
        Assert.True(await misconfigured.WaitForExitAsync(TimeSpan.FromSeconds(60)), misconfigured.ToString());
        Assert.NotEqual(0, misconfigured.ExitCode);
        Assert.Contains("Training:InnerOuterWeight (0.5) and Training:TextWeight (0.5) must add up to less than 1", misconfigured.Stderr + misconfigured.Stdout,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_killed_midway_resumes_on_another_machine_from_its_last_checkpoint_and_registers_one_whole_version()
    {
        await using var stack = await PromotionStack.CreateAsync();
        await stack.UseS3ArtifactsAsync();
        await stack.SeedPairsAsync(48, frames: 500);
        var training = await stack.StartAsync("BrewClip.Training", Settings());
        var run = await stack.Db.ScalarAsync<long>("select brewclip.request_retrain('resume test', epochs => 60)");

        await stack.WaitUntilAsync(async () => await stack.Db.ScalarAsync<int>($"select epoch from brewclip.training_runs where id = {run}") >= 3,
            "the run to reach its third epoch");
        await training.KillAsync();
        var epochAtKill = await stack.Db.ScalarAsync<int>($"select epoch from brewclip.training_runs where id = {run}");
        Assert.Equal("running", await StatusOf(stack, run));
        var checkpoint = Path.Combine(stack.Models, "brewclip", "runs", run.ToString(CultureInfo.InvariantCulture), "checkpoint");
        Assert.True(File.Exists(Path.Combine(checkpoint, "trainer.json")), "no checkpoint after two epochs");
        var runKeys = $"deployment/training/runs/{run}/";
        Assert.Contains($"{runKeys}latest.json", await stack.ArtifactKeysAsync());

        // A replica on another machine (a model store of its own; only the bucket and the database are shared) takes the run over.
        var otherMachine = stack.ModelStore("other-machine-models");
        await stack.StartAsync("BrewClip.Training", Settings(new() { ["BREWCLIP__Models__Root"] = otherMachine }));
        await stack.WaitUntilAsync(async () => Final.Contains(await StatusOf(stack, run)), "the resumed run to end");

        Assert.Equal("rejected", await StatusOf(stack, run));
        var resumedFrom = await stack.Db.ScalarAsync<int>($"select (metrics->>'resumed_from_epoch')::integer from brewclip.training_runs where id = {run}");
        Assert.InRange(resumedFrom, Math.Max(2, epochAtKill - 1), epochAtKill); // the epochs whose checkpoints were saved, not zero
        Assert.Equal(60, await stack.Db.ScalarAsync<int>($"select epoch from brewclip.training_runs where id = {run}"));
        // One version, whole, with the run's metrics, its heads in the bucket; the checkpoint is gone from the bucket and the machine that ended the run.
        Assert.Equal(1L, await stack.Db.ScalarAsync<long>($"select count(*) from brewclip.model_versions where training_run_id = {run}"));
        var version = await stack.Db.ScalarAsync<int>($"select version from brewclip.model_versions where training_run_id = {run}");
        Assert.Equal(stack.ArtifactUri($"heads/run-{run}"), await stack.Db.ScalarAsync<string>($"select artifact_uri from brewclip.model_versions where version = {version}"));
        HeadFolder.Check(await stack.FetchHeadsAsync(version));
        Assert.Equal("rejected", await stack.Db.ScalarAsync<string>($"select status from brewclip.model_versions where training_run_id = {run}"));
        Assert.True(await stack.Db.ScalarAsync<bool>($"select metrics ? 'candidate' and metrics ? 'active' from brewclip.model_versions where training_run_id = {run}"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(otherMachine, "brewclip", "runs")));
        Assert.DoesNotContain(await stack.ArtifactKeysAsync(), key => key.StartsWith(runKeys, StringComparison.Ordinal));

        // The first machine's replica, back, removes the checkpoint of the run that ended elsewhere.
        Assert.True(Directory.Exists(Path.GetDirectoryName(checkpoint)));
        await stack.StartAsync("BrewClip.Training", Settings());
        await stack.WaitUntilAsync(() => Task.FromResult(!Directory.Exists(Path.GetDirectoryName(checkpoint))), "the stale checkpoint to be removed");
    }

    [Fact]
    public async Task Requests_during_a_run_coalesce_into_one_queued_run_and_cancel_stops_both()
    {
        await using var stack = await PromotionStack.CreateAsync();
        await stack.SeedPairsAsync(32, frames: 500);
        await stack.StartAsync("BrewClip.Training", Settings());
        var running = await stack.Db.ScalarAsync<long>("select brewclip.request_retrain('long run', epochs => 10000)");
        await stack.WaitUntilAsync(async () => await stack.Db.ScalarAsync<int>($"select step from brewclip.training_runs where id = {running}") > 0,
            "the first run to train");

        // Three requests while it runs: two over AMQP (the CLI), one from SQL.
        Assert.Equal(0, (await stack.CliAsync("retrain", "--epochs", "3")).ExitCode);
        Assert.Equal(0, (await stack.CliAsync("retrain", "--frame-match", "multiframe", "--reason", "try multiframe")).ExitCode);
        var queued = await stack.Db.ScalarAsync<long>("select brewclip.request_retrain('from sql')");
        await stack.WaitUntilAsync(async () => await stack.Db.ScalarAsync<int>($"select cardinality(request_ids) from brewclip.training_runs where id = {queued}") == 3,
            "the CLI's requests to join the queued run");
        Assert.Equal(1L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.training_runs where status = 'queued'"));
        Assert.Equal("""{"epochs": 3, "frame_match": "multiframe"}""", await stack.Db.ScalarAsync<string>($"select options::text from brewclip.training_runs where id = {queued}"));
        Assert.Equal("running", await StatusOf(stack, running));

        var cancel = await stack.CliAsync("retrain", "--cancel");
        Assert.Contains("cancelled 2 run(s)", cancel.Stdout, StringComparison.Ordinal);
        await stack.WaitUntilAsync(async () => await StatusOf(stack, running) == "cancelled", "the running run to stop");
        Assert.Equal("cancelled", await StatusOf(stack, queued));
        Assert.Equal(0L, await stack.Db.ScalarAsync<long>("select count(*) from brewclip.model_versions where version > 0"));
        var status = await stack.CliAsync("training", "status");
        Assert.Contains($"run {running,4} cancelled", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("cancelled on request", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_schedule_queues_a_run_once_enough_new_pairs_arrived()
    {
        await using var stack = await PromotionStack.CreateAsync();
        var train = await stack.SeedPairsAsync(24);
        await stack.StartAsync("BrewClip.Training", Settings(new()
        {
            ["BREWCLIP__Training__Schedule"] = "00:00:01",
            ["BREWCLIP__Training__MinNewPairs"] = "10",
            ["BREWCLIP__Training__Epochs"] = "2",
        }));

        await stack.WaitUntilAsync(async () => await stack.Db.ScalarAsync<long>("select count(*) from brewclip.training_runs where status = 'rejected'") == 1,
            "the scheduled run to end");

        Assert.Equal("schedule", await stack.Db.ScalarAsync<string>("select trigger from brewclip.training_runs"));
        Assert.Equal($"{train} new train pairs", await stack.Db.ScalarAsync<string>("select reason from brewclip.training_runs"));
        var status = await stack.CliAsync("status");
        Assert.Contains("training  run", status.Stdout, StringComparison.Ordinal);
        Assert.Contains("candidate R@1/5/10", status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task On_videos_whose_frames_disagree_over_time_multiframe_match_beats_random_frames()
    {
        await using var stack = await PromotionStack.CreateAsync();
        await stack.SeedVideoPairsAsync(count: 100, frames: 8, classes: 10);
        ServiceProcess? training = null;

        async Task<(double Mean, double R1, double ActiveMean)> TrainAsync(string match, int seed)
        {
            // The seed is the service's: each run gets a Training of its own.
            if (training is not null)
            {
                training.Terminate();
                Assert.True(await training.WaitForExitAsync(TimeSpan.FromSeconds(30)), training.ToString());
            }
            training = await stack.StartAsync("BrewClip.Training", Settings(new()
            {
                ["BREWCLIP__Training__BatchSize"] = "16",
                ["BREWCLIP__Training__LearningRate"] = "0.002",
                ["BREWCLIP__Training__Seed"] = seed.ToString(CultureInfo.InvariantCulture),
            }));
            var run = await stack.Db.ScalarAsync<long>($"select brewclip.request_retrain('{match}', epochs => 4, frame_match => '{match}')");
            await stack.WaitUntilAsync(async () => Final.Contains(await StatusOf(stack, run)), $"the {match} run to end");
            Assert.Equal("rejected", await StatusOf(stack, run));
            var temporal = $"(select metrics->'video_temporal' from brewclip.training_runs where id = {run})";
            return (await stack.Db.ScalarAsync<double>($"select ({temporal}->'candidate'->>'mean_recall')::float8"),
                await stack.Db.ScalarAsync<double>($"select ({temporal}->'candidate'->'audio_to_image'->>'r1')::float8"),
                await stack.Db.ScalarAsync<double>($"select ({temporal}->'active'->>'mean_recall')::float8"));
        }

        // The same budget (4 epochs, both from version 0): a whole clip paired with one random frame is a target that
        // is wrong for 7/8 of its audio, while multiframe pairs each span with its own frame. Random is a gamble on the
        // seed, so it runs with three. Measured here (9 validation videos): multiframe temporal mean recall 1.00 (R@1
        // 1.00) with seeds 3-6; random 0.97, 0.06, 0.06 and 0.13 with seeds 3-6; version 0 0.34.
        var multiframe = await TrainAsync("multiframe", 3);
        var randoms = new List<(double Mean, double R1, double ActiveMean)>();
        foreach (var seed in new[] { 3, 4, 5 })
        {
            randoms.Add(await TrainAsync("random", seed));
        }
        var random = (Mean: randoms.Average(r => r.Mean), R1: randoms.Average(r => r.R1), randoms[0].ActiveMean);

        var numbers = $"multiframe: temporal mean recall {multiframe.Mean}, R@1 {multiframe.R1}; random, mean of seeds 3-5: {random.Mean}, R@1 {random.R1} "
            + $"({string.Join(", ", randoms.Select(r => r.Mean))}); version 0: {random.ActiveMean}";
        output.WriteLine(numbers);
        Assert.True(multiframe.Mean >= 0.8 && multiframe.R1 >= 0.6, numbers);
        Assert.True(multiframe.Mean >= random.Mean + 0.15, numbers);
        Assert.True(multiframe.Mean >= random.ActiveMean + 0.3, numbers); // version 0 hears one transcript for every span
    }
}
