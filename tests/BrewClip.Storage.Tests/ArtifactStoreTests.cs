using System.Security.Cryptography;
using BrewClip.Storage.Artifacts;
using BrewClip.Storage.ModelVersions;
using BrewClip.Testing;

namespace BrewClip.Storage.Tests;

/// <summary>The artifact stores' one contract, on a folder and on a real S3-compatible server (s3rver).</summary>
public sealed class ArtifactStoreTests : IAsyncLifetime
{
    private const string Bucket = "artifacts";
    private readonly string _folder = Directory.CreateTempSubdirectory("brewclip-artifact-store-").FullName;
    private S3rverProcess _s3 = null!;

    public static TheoryData<string> Stores => new() { "filesystem", "s3" };

    private string Scratch => Path.Combine(_folder, "scratch");

    public async Task InitializeAsync() => _s3 = await S3rverProcess.StartAsync(Bucket);

    public async Task DisposeAsync()
    {
        await _s3.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private IArtifactStore Store(string kind) => kind == "s3"
        ? new S3ArtifactStore(new S3Endpoint(_s3.Url, "us-east-1", ForcePathStyle: true, S3rverProcess.AccessKey, S3rverProcess.AccessKey), Bucket, "deploy-a", Scratch)
        : new FileSystemArtifactStore(Path.Combine(_folder, "root"));

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_written_artifact_reads_back_byte_for_byte_and_a_download_is_deleted_with_its_reader(string kind)
    {
        var store = Store(kind);
        var bytes = RandomNumberGenerator.GetBytes(3 << 20);
        var uri = await store.WriteAsync("recordings/7/window-0.encoder.safetensors", async stream =>
        {
            for (var offset = 0; offset < bytes.Length; offset += 1 << 16)
            {
                await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(1 << 16, bytes.Length - offset)));
            }
        });

        Assert.StartsWith(kind == "s3" ? "s3://artifacts/deploy-a/recordings/7/" : "file://", uri, StringComparison.Ordinal);
        Assert.True(await store.ExistsAsync(uri));
        string path;
        using (var local = await store.FetchAsync(uri))
        {
            path = local.Path;
            Assert.Equal(SHA256.HashData(bytes), SHA256.HashData(await File.ReadAllBytesAsync(local.Path)));
            Assert.Equal(kind == "s3", local.IsTemporary);
        }
        // A download is gone with its reader; the filesystem store's own file stays.
        Assert.Equal(kind != "s3", File.Exists(path));
        AssertScratchEmpty();
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_tool_writes_through_a_file_with_the_keys_extension_and_a_failed_write_leaves_nothing(string kind)
    {
        var store = Store(kind);
        var uri = await store.WriteFileAsync("images/3.png", async temporary =>
        {
            Assert.Equal(".png", Path.GetExtension(temporary));
            await File.WriteAllTextAsync(temporary, "not really a png");
        });
        using (var local = await store.FetchAsync(uri))
        {
            Assert.Equal("not really a png", await File.ReadAllTextAsync(local.Path));
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.WriteFileAsync("images/4.png", async temporary =>
        {
            await File.WriteAllTextAsync(temporary, "half");
            throw new InvalidOperationException("the tool failed");
        }));
        var failed = kind == "s3" ? "s3://artifacts/deploy-a/images/4.png" : new Uri(Path.Combine(_folder, "root", "images", "4.png")).AbsoluteUri;
        Assert.False(await store.ExistsAsync(failed));
        AssertScratchEmpty();
        if (kind != "s3")
        {
            Assert.Equal(["3.png"], Directory.GetFiles(Path.Combine(_folder, "root", "images")).Select(Path.GetFileName));
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Deleted_and_missing_artifacts_are_reported_clearly(string kind)
    {
        var store = Store(kind);
        var uri = await store.WriteAsync("crops/1.png", stream => stream.WriteAsync(new byte[] { 1, 2, 3 }).AsTask());
        await store.DeleteAsync(uri);
        await store.DeleteAsync(uri); // already gone: no error
        await store.DeleteAsync(store.UriOf("never/written/here.bin")); // nor one whose folder never was

        Assert.False(await store.ExistsAsync(uri));
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => store.FetchAsync(uri));
        Assert.Contains(uri, e.Message, StringComparison.Ordinal);
        AssertScratchEmpty();
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync("../outside.bin", _ => Task.CompletedTask));
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync("/etc/passwd", _ => Task.CompletedTask));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_folder_of_artifacts_reads_back_under_its_names_and_its_downloads_go_with_it(string kind)
    {
        var store = Store(kind);
        var local = Directory.CreateDirectory(Path.Combine(_folder, "heads-" + kind)).FullName;
        string[] names = ["audio_head.json", "audio_head.safetensors", "image_head.safetensors"];
        var contents = names.Select(_ => RandomNumberGenerator.GetBytes(100_000)).ToArray();
        for (var i = 0; i < names.Length; i++)
        {
            await File.WriteAllBytesAsync(Path.Combine(local, names[i]), contents[i]);
        }

        var uri = await store.WriteFolderAsync("heads/run-7", local, names);

        Assert.Equal(store.UriOf("heads/run-7"), uri);
        Assert.True(store.IsUnder(uri, "heads"));
        Assert.False(store.IsUnder(uri, "head"));
        Assert.False(store.IsUnder(store.UriOf("heads") + "/../recordings/1", "heads"));
        Assert.False(store.IsUnder("file:///etc/heads/x", "heads"));
        string path;
        using (var fetched = await store.FetchFolderAsync(uri, names))
        {
            path = fetched.Path;
            for (var i = 0; i < names.Length; i++)
            {
                Assert.Equal(contents[i], await File.ReadAllBytesAsync(Path.Combine(fetched.Path, names[i])));
            }
            // The filesystem store's folder is its own; the S3 store's is a folder of downloads.
            Assert.Equal(kind == "s3", fetched.IsTemporary);
        }
        Assert.Equal(kind != "s3", Directory.Exists(path));
        AssertScratchEmpty();

        // A folder missing a file names it, and leaves no download behind.
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => store.FetchFolderAsync(uri, [names[0], "missing.safetensors"]));
        Assert.Contains(uri + "/missing.safetensors", e.Message, StringComparison.Ordinal);
        AssertScratchEmpty();
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_versions_heads_load_once_however_many_ask_and_a_failed_fetch_is_tried_again(string kind)
    {
        var store = Store(kind);
        var loads = 0;
        var heads = new VersionHeads<string>(store, ["head.txt"], folder =>
        {
            Interlocked.Increment(ref loads);
            return File.ReadAllText(Path.Combine(folder, "head.txt"));
        });
        var version = new ModelVersion(3, ModelVersionStatus.Backfilling, store.UriOf("heads/v3"));

        Assert.Null(await heads.GetAsync(new ModelVersion(0, ModelVersionStatus.Active, null)));
        // Not uploaded yet: the error says what is missing, and is not remembered.
        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => heads.GetAsync(version));
        Assert.Contains(store.UriOf("heads/v3") + "/head.txt", e.Message, StringComparison.Ordinal);
        await store.WriteAsync("heads/v3/head.txt", stream => stream.WriteAsync("weights of v3"u8.ToArray()).AsTask());

        var all = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => heads.GetAsync(version))));

        Assert.All(all, head => Assert.Equal("weights of v3", head));
        Assert.Equal(1, loads);
        AssertScratchEmpty();
    }

    [Fact]
    public async Task The_s3_store_still_reads_files_written_before_the_move_to_s3_and_the_filesystem_store_refuses_s3_uris()
    {
        var filesystem = Store("filesystem");
        var old = await filesystem.WriteAsync("recordings/1/pcm.wav", stream => stream.WriteAsync(new byte[] { 9, 9 }).AsTask());
        using (var local = await Store("s3").FetchAsync(old))
        {
            Assert.Equal([9, 9], await File.ReadAllBytesAsync(local.Path));
            Assert.False(local.IsTemporary);
        }
        var e = await Assert.ThrowsAsync<NotSupportedException>(() => filesystem.FetchAsync("s3://artifacts/deploy-a/recordings/1/pcm.wav"));
        Assert.Contains("Artifacts:Store=s3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bucket_that_cannot_be_used_is_named_with_the_options_to_check()
    {
        using var missing = new S3ArtifactStore(new S3Endpoint(_s3.Url, "us-east-1", ForcePathStyle: true, S3rverProcess.AccessKey, S3rverProcess.AccessKey),
            "no-such-bucket", "", Scratch);
        var e = await Assert.ThrowsAsync<ArtifactStoreUnavailableException>(() => missing.CheckAsync());
        Assert.Contains("s3://no-such-bucket/", e.Message, StringComparison.Ordinal);
        Assert.Contains("Artifacts:Bucket", e.Message, StringComparison.Ordinal);
        using var present = (S3ArtifactStore)Store("s3");
        Assert.Contains("s3://artifacts/deploy-a/", await present.CheckAsync(), StringComparison.Ordinal);
    }

    private void AssertScratchEmpty() => Assert.Empty(Directory.Exists(Scratch) ? Directory.GetFiles(Scratch, "*", SearchOption.AllDirectories) : []);
}
