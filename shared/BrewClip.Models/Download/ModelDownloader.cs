using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace BrewClip.Models.Download;

/// <summary>
/// Downloads a model's files into the model store: each into a <c>.part</c> file that a later run
/// resumes with an HTTP range request, hashed while it streams, and moved into place only when its
/// size and SHA-256 match the pinned values. A file already in place with the right hash is skipped.
/// A file with no pinned hash is kept as <c>NAME.unverified</c> and its hash shown; it is placed only when the caller
/// accepts that hash, which is then recorded in the folder's <see cref="AcceptedFileName"/> so later pulls check it too.
/// </summary>
public sealed class ModelDownloader(HttpClient http, IProgress<DownloadProgress>? progress = null)
{
    /// <summary>The hashes the user accepted for unpinned files of a folder, one <c>SHA256  NAME</c> line each.</summary>
    public const string AcceptedFileName = "ACCEPTED-SHA256";

    private const int BufferSize = 1 << 20;

    public async Task<IReadOnlyList<string>> PullAsync(ModelManifest manifest, ModelStore store, string? baseUrl = null,
        IReadOnlySet<string>? accept = null, CancellationToken cancellationToken = default)
    {
        var folder = Path.Combine(store.Root, manifest.Name);
        Directory.CreateDirectory(folder);
        var accepted = ReadAccepted(folder);
        var root = new Uri(baseUrl ?? manifest.BaseUrl);
        var placed = new List<string>();
        var waiting = new List<UnpinnedFile>();
        foreach (var file in manifest.Files)
        {
            var target = Path.Combine(folder, file.LocalName);
            var source = new Uri(root, file.RemotePath);
            var expected = string.IsNullOrEmpty(file.Sha256) ? accepted.GetValueOrDefault(file.LocalName) : file.Sha256;
            if (expected is not null && File.Exists(target) && (file.Size == 0 || new FileInfo(target).Length == file.Size)
                && await HashFileAsync(target, cancellationToken).ConfigureAwait(false) == expected)
            {
                placed.Add(target);
                continue;
            }
            if (!string.IsNullOrEmpty(file.Sha256))
            {
                var (size, hash) = await FetchAsync(source, target + ".part", file, cancellationToken).ConfigureAwait(false);
                if ((file.Size > 0 && size != file.Size) || hash != file.Sha256)
                {
                    File.Delete(target + ".part");
                    var pinned = file.Size > 0 ? $"{file.Size} bytes with SHA-256 {file.Sha256}" : $"SHA-256 {file.Sha256}";
                    throw new ChecksumMismatchException(
                        $"{file.LocalName} from {source} is {size} bytes with SHA-256 {hash}, but {pinned} was pinned; " +
                        "the download was discarded. Check the source, or whether the published file changed.");
                }
                File.Move(target + ".part", target, overwrite: true);
                placed.Add(target);
                continue;
            }

            // No public pin: download once into NAME.unverified, and place it only under a hash the user accepted.
            var unverified = target + ".unverified";
            long unverifiedSize;
            string unverifiedHash;
            if (File.Exists(unverified))
            {
                unverifiedSize = new FileInfo(unverified).Length;
                unverifiedHash = await HashFileAsync(unverified, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                (unverifiedSize, unverifiedHash) = await FetchAsync(source, target + ".part", file, cancellationToken).ConfigureAwait(false);
                File.Move(target + ".part", unverified, overwrite: true);
            }
            if (accept?.Contains(unverifiedHash) == true || accepted.GetValueOrDefault(file.LocalName) == unverifiedHash)
            {
                File.Move(unverified, target, overwrite: true);
                accepted[file.LocalName] = unverifiedHash;
                WriteAccepted(folder, accepted);
                placed.Add(target);
            }
            else
            {
                waiting.Add(new UnpinnedFile(file.LocalName, source.ToString(), unverifiedSize, unverifiedHash));
            }
        }
        if (waiting.Count > 0)
        {
            throw new UnpinnedFilesException(waiting);
        }
        return placed;
    }

    /// <summary>Downloads <paramref name="source"/> into <paramref name="part"/>, resuming what is there, and returns the whole file's size and SHA-256.</summary>
    private async Task<(long Size, string Sha256)> FetchAsync(Uri source, string part, ModelFile file, CancellationToken cancellationToken)
    {
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
            return await FetchAsync(source, part, file, cancellationToken).ConfigureAwait(false);
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
        return (new FileInfo(part).Length, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static Dictionary<string, string> ReadAccepted(string folder)
    {
        var path = Path.Combine(folder, AcceptedFileName);
        var accepted = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return accepted;
        }
        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split("  ", 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0].Length == 64)
            {
                accepted[parts[1]] = parts[0];
            }
        }
        return accepted;
    }

    private static void WriteAccepted(string folder, Dictionary<string, string> accepted) =>
        File.WriteAllLines(Path.Combine(folder, AcceptedFileName), accepted.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Value}  {a.Key}"));

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
