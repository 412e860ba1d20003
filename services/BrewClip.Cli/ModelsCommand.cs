using System.CommandLine;
using BrewClip.Models;
using BrewClip.Models.Download;

namespace BrewClip.Cli;

/// <summary><c>brewclip models pull NAME...</c>: downloads models' published files into the model store, verified; the version commands are in <see cref="ModelVersionsCommands"/>.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("names")
        {
            Description = $"One or more models: {string.Join(", ", ModelManifest.Known.Keys)}.",
            Arity = ArgumentArity.OneOrMore,
        };
        var baseUrl = new Option<string?>("--base-url") { Description = "Download from this mirror instead of the model's published location." };
        var root = new Option<string?>("--models") { Description = "The model store (default: BREWCLIP_MODELS, else ./models)." };
        var pull = new Command("pull", "Download models' files with resume, checking each against its pinned size and SHA-256; files already verified in place are kept.")
        {
            names, baseUrl, root,
        };
        pull.SetAction((result, cancellationToken) => PullAsync(result.GetValue(names)!, result.GetValue(baseUrl), result.GetValue(root), cancellationToken));
        var models = new Command("models", "The model store and the model versions.") { pull };
        foreach (var command in ModelVersionsCommands.Create())
        {
            models.Subcommands.Add(command);
        }
        return models;
    }

    private static async Task<int> PullAsync(string[] names, string? baseUrl, string? root, CancellationToken cancellationToken)
    {
        var unknown = names.Where(n => !ModelManifest.Known.ContainsKey(n)).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"brewclip: no model named {string.Join(", ", unknown.Select(n => $"'{n}'"))}; known: {string.Join(", ", ModelManifest.Known.Keys)}.");
            return ExitCodes.Configuration;
        }
        var store = ModelStore.FromEnvironment(root);
        // No overall timeout (a model is hundreds of MB), but an unreachable host fails within half a minute.
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) }) { Timeout = Timeout.InfiniteTimeSpan };
        // Every model is tried, whatever happened to the one before; what failed is reported together at the end.
        var failed = new List<string>();
        foreach (var name in names.Distinct())
        {
            Console.WriteLine($"{name} -> {Path.Combine(store.Root, name)}");
            var bar = new ProgressBar();
            try
            {
                var files = await new ModelDownloader(http, bar).PullAsync(ModelManifest.Known[name], store, baseUrl, cancellationToken);
                bar.Finish();
                foreach (var file in files)
                {
                    Console.WriteLine($"verified {file}");
                }
            }
            catch (Exception e) when (e is ChecksumMismatchException or HttpRequestException or IOException)
            {
                bar.Finish();
                Console.Error.WriteLine($"brewclip: {name}: {e.Message}");
                failed.Add(name);
            }
        }
        if (failed.Count > 0)
        {
            Console.Error.WriteLine($"brewclip: {failed.Count} of {names.Distinct().Count()} models were not pulled ({string.Join(", ", failed)}). " +
                "Where this machine cannot reach the files' host, fetch them elsewhere and put them into the model store by hand:");
            foreach (var name in failed)
            {
                var manifest = ModelManifest.Known[name];
                foreach (var file in manifest.Files)
                {
                    var check = file.Sha256 is null ? "" : $", sha256 {file.Sha256}";
                    Console.Error.WriteLine($"  {Path.Combine(store.Root, name, file.LocalName)}  from {manifest.BaseUrl}{file.RemotePath} ({file.Size:N0} bytes{check})");
                }
            }
            foreach (var name in failed)
            {
                Console.Error.WriteLine($"brewclip: {name}: {ModelStore.OfflineRecipe(name, Path.Combine(store.Root, name))}");
            }
            return ExitCodes.Failed;
        }
        return ExitCodes.Ok;
    }

    /// <summary>One line on stderr, redrawn at most ten times a second.</summary>
    private sealed class ProgressBar : IProgress<DownloadProgress>
    {
        private long _lastDraw;
        private bool _drawn;

        public void Report(DownloadProgress value)
        {
            var now = Environment.TickCount64;
            if (now - _lastDraw < 100 && value.Received < value.Total)
            {
                return;
            }
            _lastDraw = now;
            _drawn = true;
            var fraction = value.Total > 0 ? Math.Min(1.0, (double)value.Received / value.Total) : 0;
            var filled = (int)(fraction * 30);
            Console.Error.Write($"\r{value.File,-20} [{new string('#', filled)}{new string('.', 30 - filled)}] {fraction,4:P0} {value.Received / 1e6,8:F1}/{value.Total / 1e6:F1} MB");
        }

        public void Finish()
        {
            if (_drawn)
            {
                Console.Error.WriteLine();
            }
        }
    }
}
