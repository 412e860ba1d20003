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
            Description = "Models to pull, each a catalogue entry at a precision (NAME for fp32, NAME-int8 for the 8-bit files): " +
                $"{string.Join(", ", ModelManifest.Known.Keys)}. Without names: the configured Models:Clip and Models:Whisper at Models:Precision.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var baseUrl = new Option<string?>("--base-url") { Description = "Download from this mirror instead of the model's published location." };
        var root = new Option<string?>("--models") { Description = "The model store (default: BREWCLIP_MODELS, else ./models; without names, Models:Root first)." };
        var accept = new Option<string[]>("--accept")
        {
            Description = "Keep a file no public source pins when its SHA-256 is this one (as shown by a pull before); repeatable.",
            AllowMultipleArgumentsPerToken = true,
        };
        var pull = new Command("pull", "Download models' files with resume, checking each against its pinned size and SHA-256; files already verified in place are kept. " +
            "A file no public source pins is downloaded and its hash shown, and is kept only with --accept HASH.")
        {
            names, baseUrl, root, accept,
        };
        pull.SetAction((result, cancellationToken) => PullAsync(result.GetValue(names) ?? [], result.GetValue(baseUrl), result.GetValue(root),
            result.GetValue(accept) ?? [], cancellationToken));
        var models = new Command("models", "The model store and the model versions.") { pull };
        foreach (var command in ModelVersionsCommands.Create())
        {
            models.Subcommands.Add(command);
        }
        return models;
    }

    private static async Task<int> PullAsync(string[] names, string? baseUrl, string? root, string[] accept, CancellationToken cancellationToken)
    {
        if (names.Length == 0)
        {
            var options = CliSettings.TryBind<ModelOptions>(CliSettings.Load(), ModelOptions.Section);
            if (options is null)
            {
                return ExitCodes.Configuration;
            }
            var choice = options.Choice();
            names = [choice.ClipFolder, choice.WhisperFolder];
            root ??= string.IsNullOrWhiteSpace(options.Root) ? null : options.Root;
        }
        var unknown = names.Where(n => !ModelManifest.Known.ContainsKey(n)).ToList();
        if (unknown.Count > 0)
        {
            Console.Error.WriteLine($"brewclip: no model named {string.Join(", ", unknown.Select(n => $"'{n}'"))}; known: {string.Join(", ", ModelManifest.Known.Keys)}.");
            return ExitCodes.Configuration;
        }
        var badHashes = accept.Where(a => !System.Text.RegularExpressions.Regex.IsMatch(a, "^[0-9a-fA-F]{64}$")).ToList();
        if (badHashes.Count > 0)
        {
            Console.Error.WriteLine($"brewclip: --accept takes a SHA-256 of 64 hex digits; {string.Join(", ", badHashes.Select(b => $"'{b}'"))} is not one.");
            return ExitCodes.Configuration;
        }
        var accepted = accept.Select(a => a.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var store = ModelStore.FromEnvironment(root);
        // No overall timeout (a model is hundreds of MB), but an unreachable host fails within half a minute.
        using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(30) }) { Timeout = Timeout.InfiniteTimeSpan };
        // Every model is tried, whatever happened to the one before; what failed is reported together at the end.
        var failed = new List<string>();
        var waiting = new List<string>();
        foreach (var name in names.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var manifest = ModelManifest.Known[name];
            Console.WriteLine($"{manifest.Name} -> {Path.Combine(store.Root, manifest.Name)}");
            var bar = new ProgressBar();
            try
            {
                var files = await new ModelDownloader(http, bar).PullAsync(manifest, store, baseUrl, accepted, cancellationToken);
                bar.Finish();
                foreach (var file in files)
                {
                    Console.WriteLine($"verified {file}");
                }
            }
            catch (UnpinnedFilesException e)
            {
                bar.Finish();
                Console.Error.WriteLine($"brewclip: {manifest.Name}: {e.Message}");
                waiting.Add(manifest.Name);
            }
            catch (Exception e) when (e is ChecksumMismatchException or HttpRequestException or IOException)
            {
                bar.Finish();
                Console.Error.WriteLine($"brewclip: {manifest.Name}: {e.Message}");
                failed.Add(manifest.Name);
            }
        }
        if (failed.Count > 0)
        {
            Console.Error.WriteLine($"brewclip: {failed.Count} of {names.Distinct(StringComparer.OrdinalIgnoreCase).Count()} models were not pulled ({string.Join(", ", failed)}). " +
                "Where this machine cannot reach the files' host, fetch them elsewhere and put them into the model store by hand:");
            foreach (var name in failed)
            {
                var manifest = ModelManifest.Known[name];
                foreach (var file in manifest.Files)
                {
                    var size = file.Size > 0 ? $"{file.Size:N0} bytes" : "size not pinned";
                    var check = file.Sha256 is null ? ", no public SHA-256" : $", sha256 {file.Sha256}";
                    Console.Error.WriteLine($"  {Path.Combine(store.Root, name, file.LocalName)}  from {manifest.BaseUrl}{file.RemotePath} ({size}{check})");
                }
            }
            foreach (var name in failed)
            {
                Console.Error.WriteLine($"brewclip: {name}: {ModelStore.OfflineRecipe(name, Path.Combine(store.Root, name))}");
            }
            return ExitCodes.Failed;
        }
        return waiting.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
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
