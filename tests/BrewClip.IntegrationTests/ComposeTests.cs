using System.Diagnostics;
using System.Text.RegularExpressions;
using BrewClip.Testing;

namespace BrewClip.IntegrationTests;

/// <summary>No Docker engine runs here: the compose files are validated by docker-compose itself.</summary>
public sealed partial class ComposeTests
{
    private static readonly string ComposeFile = Path.Combine(TestSettings.RepositoryRoot, "compose", "docker-compose.yml");
    private static readonly string GpuFile = Path.Combine(TestSettings.RepositoryRoot, "compose", "docker-compose.gpu.yml");

    [GeneratedRegex(@"^\s+SERVICE: (?<project>\S+)$", RegexOptions.Multiline)]
    private static partial Regex ServiceArg();

    [Fact]
    public async Task Compose_file_is_valid()
    {
        var (code, output) = await ComposeAsync("-f", ComposeFile, "config", "--quiet");
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Gpu_override_is_valid_and_builds_the_model_services_for_cuda_and_requires_it()
    {
        var (code, output) = await ComposeAsync("-f", ComposeFile, "-f", GpuFile, "config");
        Assert.True(code == 0, output);
        // Transcription, AcousticEmbedding and ImageEmbedding run ONNX models; Training's heads run on the CPU.
        Assert.Equal(3, Regex.Count(output, "driver: nvidia"));
        Assert.Equal(3, Regex.Count(output, "ONNXRUNTIME_GPU: 'true'|ONNXRUNTIME_GPU: \"true\""));
        Assert.Equal(3, Regex.Count(output, "RUNTIME_BASE: nvidia/cuda:13"));
        Assert.Equal(3, Regex.Count(output, "BREWCLIP__Models__RequireExecutionProvider: 'true'|BREWCLIP__Models__RequireExecutionProvider: \"true\""));
    }

    [Fact]
    public async Task Every_service_built_in_compose_is_a_project_under_services_and_every_project_is_built()
    {
        var (code, output) = await ComposeAsync("-f", ComposeFile, "config");
        Assert.True(code == 0, output);

        var built = ServiceArg().Matches(output).Select(m => m.Groups["project"].Value).ToHashSet();
        var projects = Directory.GetDirectories(Path.Combine(TestSettings.RepositoryRoot, "services"))
            .Where(d => Directory.EnumerateFiles(d, "*.csproj").Any())
            .Select(d => Path.GetFileName(d))
            .ToHashSet();

        Assert.Equal(projects, built);
    }

    [Fact]
    public async Task Infrastructure_the_services_need_is_in_compose()
    {
        var (code, output) = await ComposeAsync("-f", ComposeFile, "config", "--services");
        Assert.True(code == 0, output);
        var services = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("postgres", services);
        Assert.Contains("rabbitmq", services);
        Assert.Contains("minio", services);
        Assert.Contains("migrate", services);
        Assert.Contains("models", services);
    }

    private static async Task<(int ExitCode, string Output)> ComposeAsync(params string[] args)
    {
        var info = new ProcessStartInfo("docker-compose")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)
            ?? throw new InvalidOperationException("docker-compose did not start; `scripts/infra.sh up` installs it.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
