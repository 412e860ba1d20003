using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>
/// scripts/stack.sh as a user runs it: `up` waits for every service's /health/ready and fails loud, with the
/// reason from its log, for a service that dies at start; the `brewclip` it links onto PATH reads the same
/// settings from any folder; `down` stops what `up` started.
/// </summary>
[Collection(BrokerObservers.Name)]
public sealed class StackScriptTests
{
    [Fact]
    public async Task Up_fails_naming_a_service_that_dies_at_start_and_the_linked_cli_reports_every_service()
    {
        await using var db = await TestDatabase.CreateAsync(migrate: false);
        var work = Directory.CreateTempSubdirectory("brewclip-stack-").FullName;
        var rabbit = TestSettings.RabbitMq;
        var portBase = FreePortRange(6);
        var environment = new Dictionary<string, string>
        {
            ["BREWCLIP__Postgres__ConnectionString"] = db.ConnectionString,
            ["BREWCLIP__RabbitMq__Host"] = rabbit.Host,
            ["BREWCLIP__RabbitMq__Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
            ["BREWCLIP__RabbitMq__VirtualHost"] = rabbit.VirtualHost,
            ["BREWCLIP__RabbitMq__Username"] = rabbit.Username,
            ["BREWCLIP__RabbitMq__Password"] = rabbit.Password,
            // No models: the services that load one stop at start naming the file.
            ["BREWCLIP__Models__Root"] = Directory.CreateDirectory(Path.Combine(work, "models")).FullName,
            ["BREWCLIP_PULL_MODELS"] = "",
            ["BREWCLIP__Ingest__Folders__0__Name"] = "inbox",
            ["BREWCLIP__Ingest__Folders__0__Path"] = Directory.CreateDirectory(Path.Combine(work, "inbox")).FullName,
            ["BREWCLIP_ENV_FILE"] = Path.Combine(work, "no.env"),
            ["BREWCLIP_RUN_DIR"] = Path.Combine(work, "run"),
            ["BREWCLIP_BIN_DIR"] = Path.Combine(work, "bin"),
            ["BREWCLIP_HEALTH_PORT_BASE"] = portBase.ToString(CultureInfo.InvariantCulture),
            ["BREWCLIP_START_TIMEOUT"] = "90",
        };
        var script = Path.Combine(TestSettings.RepositoryRoot, "scripts", "stack.sh");
        try
        {
            var up = await RunAsync(script, ["up", "--no-build"], environment, TestSettings.RepositoryRoot);
            Assert.True(up.ExitCode == 1, up.Output);
            Assert.Contains("Ingest ready", up.Output, StringComparison.Ordinal);
            Assert.Contains("Training ready", up.Output, StringComparison.Ordinal);
            foreach (var dead in new[] { "Transcription", "AcousticEmbedding", "ImageEmbedding", "Search" })
            {
                Assert.Contains($"error: {dead} exited during start:", up.Output, StringComparison.Ordinal);
                Assert.Contains($"/run/logs/{dead}.log)", up.Output, StringComparison.Ordinal);
            }
            // The reason is the service's own, from its log.
            Assert.Contains($"  The model file {work}/models/whisper-base/encoder_model.onnx is missing.", up.Output, StringComparison.Ordinal);
            Assert.Contains($"  The model file {work}/models/clip-vit-base-patch32/text_model.onnx is missing.", up.Output, StringComparison.Ordinal);
            Assert.Contains($"  The model file {work}/models/clip-vit-base-patch32/vision_model.onnx is missing.", up.Output, StringComparison.Ordinal);
            // ... with the way out when no model host can be reached: the stand-in recipe for that folder.
            Assert.Contains($"`/usr/bin/python3 tests/fixtures/make_whisper_fixtures.py --full {work}/models/whisper-base --model whisper-base`", up.Output, StringComparison.Ordinal);
            Assert.Contains("error: not every service started", up.Output, StringComparison.Ordinal);

            // The linked CLI, run from another folder, reads the same settings and asks each service.
            var cli = new Dictionary<string, string>(environment);
            foreach (var (name, offset) in new[] { ("Ingest", 0), ("Transcription", 1), ("AcousticEmbedding", 2), ("ImageEmbedding", 3), ("Training", 4), ("Search", 5) })
            {
                cli[$"BREWCLIP__Cli__Services__{name}"] = $"http://127.0.0.1:{portBase + offset}";
            }
            var status = await RunAsync(Path.Combine(work, "bin", "brewclip"), ["status"], cli, work);
            Assert.True(status.ExitCode == 3, status.Output);
            Assert.Contains("postgres  ok", status.Output, StringComparison.Ordinal);
            Assert.Matches(@"service   Ingest +ready", status.Output);
            Assert.Matches(@"service   Transcription +down", status.Output);
            Assert.Contains("services  4 of 6 not ready: AcousticEmbedding, ImageEmbedding, Search, Transcription", status.Output, StringComparison.Ordinal);
        }
        finally
        {
            var down = await RunAsync(script, ["down"], environment, TestSettings.RepositoryRoot);
            Assert.True(down.ExitCode == 0, down.Output);
            Assert.Empty(Directory.Exists(Path.Combine(work, "run", "pids")) ? Directory.GetFiles(Path.Combine(work, "run", "pids")) : []);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The first of <paramref name="count"/> consecutive ports nothing listens on.</summary>
    private static int FreePortRange(int count)
    {
        var random = new Random();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var first = random.Next(20_000, 60_000);
            if (Enumerable.Range(first, count).All(IsFree))
            {
                return first;
            }
        }
        throw new InvalidOperationException($"no {count} consecutive free ports found");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] args, Dictionary<string, string> environment, string folder)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        ServiceProcess.UseOnly(info, environment);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
