using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace BrewClip.Models.Download;

/// <summary>
/// Downloads a model's files into the model store: each into a <c>.part</c> file that a later run
/// resumes with an HTTP range request, hashed while it streams, and moved into place only when its
/// size and SHA-256 match the pinned values. A file already in place with the right hash is skipped.
/// </summary>
public sealed class ModelDownloader(HttpClient http, IProgress<DownloadProgress>? progress = null)
{
    private const int BufferSize = 1 << 20;

    public async Task<IReadOnlyList<string>> PullAsync(ModelManifest manifest, ModelStore store, string? baseUrl = null, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(store.Root, manifest.Name);
        var unpinned = manifest.Files.Where(f => string.IsNullOrEmpty(f.Sha256)).Select(f => f.LocalName).ToList();
        if (unpinned.Count > 0)
        {
            throw new ChecksumMismatchException(
                $"This build has no pinned SHA-256 for {manifest.Name}'s {string.Join(", ", unpinned)}, so it will not download them unverified. " +
                $"Copy the published files into {folder} yourself.");
        }
        Directory.CreateDirectory(folder);
        var root = new Uri(baseUrl ?? manifest.BaseUrl);
        var placed = new List<string>();
        foreach (var file in manifest.Files)
        {
            var target = Path.Combine(folder, file.LocalName);
            if (File.Exists(target) && (file.Size == 0 || new FileInfo(target).Length == file.Size)
                && await HashFileAsync(target, cancellationToken).ConfigureAwait(false) == file.Sha256)
            {
                placed.Add(target);
                continue;
            }
            await DownloadAsync(new Uri(root, file.RemotePath), target, file, cancellationToken).ConfigureAwait(false);
            placed.Add(target);
        }
        return placed;
    }

    private async Task DownloadAsync(Uri source, string target, ModelFile file, CancellationToken cancellationToken)
    {
        var part = target + ".part";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long existing = 0;
        if (File.Exists(part))
        {
            existing = new FileInfo(part).Length;
            if (file.Size > 0 && existing > file.Size)
            {
                File.Delete(part);
                existing = 0;
            }
            else
            {
                await HashIntoAsync(part, hash, cancellationToken).ConfigureAwait(false);
            }
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, source);
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (existing > 0 && response.StatusCode == HttpStatusCode.OK)
        {
            // The server ignored the range: start over.
            existing = 0;
            hash.GetHashAndReset();
        }
        else if (existing > 0 && response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(part);
            await DownloadAsync(source, target, file, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Downloading {source} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
        }

        var total = file.Size > 0 ? file.Size : existing + (response.Content.Headers.ContentLength ?? 0);
        await using (var output = new FileStream(part, existing > 0 ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
        await using (var input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
        {
            var buffer = new byte[BufferSize];
            var received = existing;
            int read;
            while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                hash.AppendData(buffer, 0, read);
                received += read;
                progress?.Report(new DownloadProgress(file.LocalName, received, total));
            }
        }

        var actualSize = new FileInfo(part).Length;
        var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
        if ((file.Size > 0 && actualSize != file.Size) || actual != file.Sha256)
        {
            File.Delete(part);
            var pinned = file.Size > 0 ? $"{file.Size} bytes with SHA-256 {file.Sha256}" : $"SHA-256 {file.Sha256}";
            throw new ChecksumMismatchException(
                $"{file.LocalName} from {source} is {actualSize} bytes with SHA-256 {actual}, but {pinned} was pinned; " +
                "the download was discarded. Check the source, or whether the published file changed.");
        }
        File.Move(part, target, overwrite: true);
    }

    private static async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await HashIntoAsync(path, hash, cancellationToken).ConfigureAwait(false);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task HashIntoAsync(string path, IncrementalHash hash, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, useAsync: true);
        var buffer = new byte[BufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
    }
}
