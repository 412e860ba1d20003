using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace BrewClip.Storage.Artifacts;

/// <summary>
/// Artifacts as objects in an S3-compatible bucket under a prefix, addressed as s3://bucket/prefix/key. Nothing is
/// held in memory whole: a write goes to a temporary file first and is uploaded from it, a read
/// is streamed into a temporary file; both temporary files live in this process's folder under the scratch folder and
/// are deleted when done (a write's at once, a read's when its <see cref="LocalArtifact"/> is disposed). An object appears only once
/// uploaded whole. file:// URIs written before a deployment moved to S3 are still read from their files.
/// </summary>
public sealed class S3ArtifactStore : IArtifactStore, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly string _bucket;
    private readonly string _prefix;
    private readonly string _scratch;

    public S3ArtifactStore(S3Endpoint endpoint, string bucket, string prefix, string scratch)
    {
        _client = endpoint.CreateClient();
        _bucket = bucket;
        _prefix = prefix.Length == 0 || prefix.EndsWith('/') ? prefix : prefix + "/";
        _scratch = Directory.CreateDirectory(Path.Combine(scratch, ScratchPrefix + Environment.ProcessId)).FullName;
        RemoveScratchOfDeadProcesses(scratch);
    }

    private const string ScratchPrefix = "process-";

    /// <summary>
    /// Each process stages files in a folder of its own; the folders of processes that died (killed mid-transfer) are
    /// removed when another starts on the same machine.
    /// </summary>
    private static void RemoveScratchOfDeadProcesses(string scratch)
    {
        foreach (var folder in Directory.EnumerateDirectories(scratch, ScratchPrefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(folder)[ScratchPrefix.Length..], out var pid) && pid != Environment.ProcessId && !IsAlive(pid))
            {
                try
                {
                    Directory.Delete(folder, recursive: true);
                }
                catch (IOException)
                {
                    // Another process removed it first.
                }
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Lists the bucket under the prefix once, so a wrong bucket, endpoint or credential stops a service at start
    /// instead of failing every item; returns what it checked.
    /// </summary>
    public async Task<string> CheckAsync(CancellationToken cancellationToken = default)
    {
        var where = $"s3://{_bucket}/{_prefix} at {(_client.Config.ServiceURL is { Length: > 0 } url ? url : "AWS S3")}";
        try
        {
            await _client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = _prefix, MaxKeys = 1 }, cancellationToken).ConfigureAwait(false);
            return $"Artifacts in {where}";
        }
        catch (AmazonS3Exception e) when ((int)e.StatusCode >= 500)
        {
            // The store answered, busy or failing for a moment: that is no wrong setting, and reads and writes retry.
            return $"Artifacts in {where} (the store answered {(int)e.StatusCode} to the start-up check: {e.Message})";
        }
        catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException or IOException)
        {
            throw new ArtifactStoreUnavailableException(
                $"The artifact store {where} cannot be used: {e.Message}. Check Artifacts:Bucket, Artifacts:ServiceUrl and the credentials (Artifacts:AccessKey, Artifacts:SecretKey).", e);
        }
    }

    public string UriOf(string key) => $"s3://{_bucket}/{_prefix}{ArtifactKeys.Checked(key)}";

    public Task<string> WriteAsync(string key, Func<Stream, Task> write, CancellationToken cancellationToken = default)
        => WriteFileAsync(key, ArtifactKeys.ToFile(write, cancellationToken), cancellationToken);

    public async Task<string> WriteFileAsync(string key, Func<string, Task> write, CancellationToken cancellationToken = default)
    {
        var uri = UriOf(key);
        var temporary = TemporaryPath(key);
        try
        {
            await write(temporary).ConfigureAwait(false);
            // One PUT streamed from the file (S3 takes up to 5 GB so; the largest artifact, 3 h of PCM, is ~350 MB),
            // unchunked: some S3-compatible stores (s3rver) keep aws-chunked bodies with their signatures in them.
            await _client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = _bucket,
                Key = _prefix + ArtifactKeys.Checked(key),
                FilePath = temporary,
                UseChunkEncoding = false,
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(temporary);
        }
        return uri;
    }

    public async Task<LocalArtifact> FetchAsync(string uri, CancellationToken cancellationToken = default)
    {
        if (!TryParse(uri, out var bucket, out var key))
        {
            return LocalArtifact.OfFile(uri);
        }
        var temporary = TemporaryPath(key);
        try
        {
            using var response = await _client.GetObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false);
            await using var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await response.ResponseStream.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            return new LocalArtifact(temporary, temporary: true);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            File.Delete(temporary);
            throw new FileNotFoundException($"The artifact {uri} is not in the store.", uri, e);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public async Task<bool> ExistsAsync(string uri, CancellationToken cancellationToken = default)
    {
        if (!TryParse(uri, out var bucket, out var key))
        {
            return File.Exists(ArtifactPaths.ToLocalPath(uri));
        }
        try
        {
            await _client.GetObjectMetadataAsync(bucket, key, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public async Task DeleteAsync(string uri, CancellationToken cancellationToken = default)
    {
        if (!TryParse(uri, out var bucket, out var key))
        {
            var path = ArtifactPaths.ToLocalPath(uri);
            if (Directory.Exists(Path.GetDirectoryName(path)))
            {
                File.Delete(path);
            }
            return;
        }
        await _client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _client.Dispose();
    }

    /// <summary>A scratch file name keeping the key's extension (tools such as ffmpeg choose the format by it).</summary>
    private string TemporaryPath(string key) => Path.Combine(_scratch, Guid.NewGuid().ToString("N") + Path.GetExtension(key));

    private static bool TryParse(string uri, out string bucket, out string key)
    {
        if (uri.StartsWith("s3://", StringComparison.Ordinal) && uri.IndexOf('/', 5) is var slash and > 5 && slash < uri.Length - 1)
        {
            bucket = uri[5..slash];
            key = uri[(slash + 1)..];
            return true;
        }
        (bucket, key) = ("", "");
        return false;
    }
}
