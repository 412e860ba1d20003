using System.Diagnostics;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;

namespace BrewClip.Testing;

/// <summary>An s3rver on loopback with one bucket, its data in a temporary folder; credentials S3RVER/S3RVER.</summary>
public sealed class S3rverProcess : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    private readonly Process _process;
    private readonly string _data;

    private S3rverProcess(Process process, string data, int port)
    {
        _process = process;
        _data = data;
        Url = $"http://127.0.0.1:{port}";
    }

    public string Url { get; }

    public static async Task<S3rverProcess> StartAsync(string bucket)
    {
        var data = Directory.CreateTempSubdirectory("brewclip-s3rver-").FullName;
        var port = ServiceProcess.FreePort();
        var info = new ProcessStartInfo(TestSettings.S3rver) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-d", data, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--configure-bucket", bucket })
        {
            info.ArgumentList.Add(argument);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("s3rver did not start");
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                break;
            }
            catch (SocketException) when (clock.Elapsed < Eventually.Patience && !process.HasExited)
            {
                await Task.Delay(200);
            }
        }
        // The bucket is configured after the port opens: wait until it answers a listing.
        var server = new S3rverProcess(process, data, port);
        using var client = server.Client();
        while (true)
        {
            try
            {
                await client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket, MaxKeys = 1 });
                return server;
            }
            catch (AmazonS3Exception) when (clock.Elapsed < Eventually.Patience && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public AmazonS3Client Client() => new(new BasicAWSCredentials(AccessKey, AccessKey), new AmazonS3Config
    {
        ServiceURL = Url,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    /// <summary>Settings that put a service's artifacts in <paramref name="bucket"/> under <paramref name="prefix"/> on this server.</summary>
    public Dictionary<string, string> ArtifactSettings(string bucket, string prefix, string scratch) => new()
    {
        ["BREWCLIP__Artifacts__Store"] = "s3",
        ["BREWCLIP__Artifacts__Bucket"] = bucket,
        ["BREWCLIP__Artifacts__Prefix"] = prefix,
        ["BREWCLIP__Artifacts__ServiceUrl"] = Url,
        ["BREWCLIP__Artifacts__ForcePathStyle"] = "true",
        ["BREWCLIP__Artifacts__AccessKey"] = AccessKey,
        ["BREWCLIP__Artifacts__SecretKey"] = AccessKey,
        ["BREWCLIP__Artifacts__Scratch"] = scratch,
    };

    /// <summary>The keys of the objects in <paramref name="bucket"/>.</summary>
    public async Task<List<string>> KeysAsync(string bucket)
    {
        using var client = Client();
        var keys = new List<string>();
        var request = new Amazon.S3.Model.ListObjectsV2Request { BucketName = bucket };
        do
        {
            var page = await client.ListObjectsV2Async(request);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (request.ContinuationToken is not null);
        return keys;
    }

    /// <summary>Uploads a file. s3rver stores aws-chunked bodies as they are, signatures included, so the upload is unchunked.</summary>
    public Task PutAsync(AmazonS3Client client, string bucket, string key, string file)
        => client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = key, FilePath = file, UseChunkEncoding = false });

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_data, recursive: true);
    }
}
