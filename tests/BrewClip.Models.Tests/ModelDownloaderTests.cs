using System.Security.Cryptography;
using BrewClip.Models.Catalogue;
using BrewClip.Models.Download;

namespace BrewClip.Models.Tests;

public sealed class ModelDownloaderTests : IAsyncLifetime
{
    private readonly string _published = Directory.CreateTempSubdirectory("brewclip-published-").FullName;
    private readonly string _store = Directory.CreateTempSubdirectory("brewclip-store-").FullName;
    private FileServer _server = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_published, "onnx"));
        var fixtures = Path.Combine(AppContext.BaseDirectory, "fixtures", "models", "clip-vit-base-patch32");
        File.Copy(Path.Combine(fixtures, "vision_model.onnx"), Path.Combine(_published, "onnx", "vision_model.onnx"));
        File.Copy(Path.Combine(fixtures, "vocab.json"), Path.Combine(_published, "vocab.json"));
        _server = await FileServer.StartAsync(_published);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_published, recursive: true);
        Directory.Delete(_store, recursive: true);
    }

    [Fact]
    public async Task Pulls_every_file_into_the_store_layout_and_verifies_it()
    {
        var progress = new List<DownloadProgress>();
        var files = await Downloader(progress).PullAsync(Manifest(), new ModelStore(_store));

        Assert.Equal([Stored("vision_model.onnx"), Stored("vocab.json")], files);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_published, "onnx", "vision_model.onnx")), File.ReadAllBytes(Stored("vision_model.onnx")));
        Assert.Equal(new FileInfo(Stored("vision_model.onnx")).Length, progress.Last(p => p.File == "vision_model.onnx").Received);
        Assert.False(File.Exists(Stored("vision_model.onnx") + ".part"));
    }

    [Fact]
    public async Task A_wrong_checksum_is_refused_and_nothing_is_placed()
    {
        var manifest = Manifest();
        manifest = manifest with { Files = [manifest.Files[0] with { Sha256 = new string('0', 64) }] };

        var e = await Assert.ThrowsAsync<ChecksumMismatchException>(() => Downloader().PullAsync(manifest, new ModelStore(_store)));

        Assert.Contains("vision_model.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("discarded", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Stored("vision_model.onnx")));
        Assert.False(File.Exists(Stored("vision_model.onnx") + ".part"));
    }

    [Fact]
    public async Task An_interrupted_download_resumes_from_where_it_stopped()
    {
        _server.CutShort["onnx/vision_model.onnx"] = 100_000;
        await Assert.ThrowsAnyAsync<Exception>(() => Downloader().PullAsync(Manifest(), new ModelStore(_store)));
        var partial = new FileInfo(Stored("vision_model.onnx") + ".part").Length;
        Assert.InRange(partial, 1, 100_000);

        await Downloader().PullAsync(Manifest(), new ModelStore(_store));

        Assert.Contains(_server.Requests, r => r.Path == "onnx/vision_model.onnx" && r.Range == $"bytes={partial}-");
        Assert.Equal(File.ReadAllBytes(Path.Combine(_published, "onnx", "vision_model.onnx")), File.ReadAllBytes(Stored("vision_model.onnx")));
    }

    [Fact]
    public async Task Files_already_in_place_are_not_downloaded_again()
    {
        await Downloader().PullAsync(Manifest(), new ModelStore(_store));
        var before = _server.Requests.Count;
        await Downloader().PullAsync(Manifest(), new ModelStore(_store));
        Assert.Equal(before, _server.Requests.Count);
    }

    [Fact]
    public async Task A_file_pinned_by_hash_alone_is_checked_by_its_hash()
    {
        var manifest = Manifest();
        manifest = manifest with { Files = manifest.Files.Select(f => f with { Size = 0 }).ToList() };
        var progress = new List<DownloadProgress>();

        await Downloader(progress).PullAsync(manifest, new ModelStore(_store));

        var size = new FileInfo(Stored("vision_model.onnx")).Length;
        Assert.Equal(size, progress.Last(p => p.File == "vision_model.onnx").Total);
        var wrong = manifest with { Files = [manifest.Files[1] with { Sha256 = new string('1', 64) }] };
        File.Delete(Stored("vocab.json"));
        await Assert.ThrowsAsync<ChecksumMismatchException>(() => Downloader().PullAsync(wrong, new ModelStore(_store)));
    }

    [Fact]
    public void Every_catalogue_file_is_fetched_over_https_from_a_pinned_revision_or_waits_for_acceptance()
    {
        foreach (var manifest in ModelManifest.Known.Values)
        {
            Assert.StartsWith("https://", manifest.BaseUrl, StringComparison.Ordinal);
            foreach (var file in manifest.Files.Where(f => f.Sha256 is not null))
            {
                Assert.Matches("^[0-9a-f]{64}$", file.Sha256!);
                // A hash is only worth something at an immutable revision.
                Assert.Matches("/resolve/[0-9a-f]{40}/$", manifest.BaseUrl);
            }
        }
        // What a fresh stack pulls by default is pinned whole.
        Assert.True(ModelCatalogue.Find(ModelStore.ClipName)!.FullyPinned(ModelPrecision.Fp32));
        Assert.True(ModelCatalogue.Find(ModelStore.WhisperName)!.FullyPinned(ModelPrecision.Fp32));
        Assert.True(ModelCatalogue.Find(ModelStore.WhisperName)!.FullyPinned(ModelPrecision.Int8));
    }

    [Fact]
    public async Task The_pinned_clip_manifest_refuses_files_that_are_not_the_published_ones()
    {
        // The fixture files stand in for the published ones: they have other sizes and hashes, so nothing is placed.
        var clip = ModelManifest.Known[ModelStore.ClipName] with { Files = [.. ModelManifest.Known[ModelStore.ClipName].Files.Where(f => f.LocalName == "vision_model.onnx")] };
        var e = await Assert.ThrowsAsync<ChecksumMismatchException>(() => Downloader().PullAsync(clip, new ModelStore(_store), _server.BaseUrl));
        Assert.Contains("vision_model.onnx", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Stored("vision_model.onnx")));
    }

    [Fact]
    public async Task A_file_no_one_pins_is_shown_with_its_hash_and_placed_only_once_that_hash_is_accepted()
    {
        var manifest = Manifest();
        manifest = manifest with { Files = [manifest.Files[0], manifest.Files[1] with { Size = 0, Sha256 = null }] };
        var vocabulary = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(_published, "vocab.json"))));

        // Without acceptance: the pinned file is placed, the other is downloaded, hashed and held back.
        var e = await Assert.ThrowsAsync<UnpinnedFilesException>(() => Downloader().PullAsync(manifest, new ModelStore(_store)));
        var waiting = Assert.Single(e.Files);
        Assert.Equal(("vocab.json", vocabulary), (waiting.LocalName, waiting.Sha256));
        Assert.Contains($"--accept {vocabulary}", e.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Stored("vision_model.onnx")));
        Assert.False(File.Exists(Stored("vocab.json")));
        Assert.True(File.Exists(Stored("vocab.json") + ".unverified"));

        // Another hash accepted: still held back, and not downloaded again.
        var requests = _server.Requests.Count;
        await Assert.ThrowsAsync<UnpinnedFilesException>(() => Downloader().PullAsync(manifest, new ModelStore(_store), accept: new HashSet<string> { new('a', 64) }));
        Assert.Equal(requests, _server.Requests.Count);

        // Its own hash accepted: placed, and recorded, so a later pull checks it without asking again.
        await Downloader().PullAsync(manifest, new ModelStore(_store), accept: new HashSet<string> { vocabulary });
        Assert.Equal(File.ReadAllBytes(Path.Combine(_published, "vocab.json")), File.ReadAllBytes(Stored("vocab.json")));
        Assert.False(File.Exists(Stored("vocab.json") + ".unverified"));
        Assert.Contains($"{vocabulary}  vocab.json", File.ReadAllLines(Path.Combine(_store, "clip-vit-base-patch32", ModelDownloader.AcceptedFileName)));
        await Downloader().PullAsync(manifest, new ModelStore(_store));
        Assert.Equal(requests, _server.Requests.Count);

        // A placed file that changed no longer matches what was accepted: it is fetched again, and placed as the accepted bytes.
        File.WriteAllText(Stored("vocab.json"), "{}");
        await Downloader().PullAsync(manifest, new ModelStore(_store));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_published, "vocab.json")), File.ReadAllBytes(Stored("vocab.json")));

        // Served bytes that differ from the accepted ones are held back again.
        File.WriteAllText(Path.Combine(_published, "vocab.json"), "{\"changed\": 1}");
        File.Delete(Stored("vocab.json"));
        var changed = await Assert.ThrowsAsync<UnpinnedFilesException>(() => Downloader().PullAsync(manifest, new ModelStore(_store)));
        Assert.NotEqual(vocabulary, Assert.Single(changed.Files).Sha256);
        Assert.False(File.Exists(Stored("vocab.json")));
    }

    private ModelManifest Manifest() => new("clip-vit-base-patch32", _server.BaseUrl,
    [
        Pinned("onnx/vision_model.onnx", "vision_model.onnx"),
        Pinned("vocab.json", "vocab.json"),
    ]);

    private ModelFile Pinned(string remote, string local)
    {
        var bytes = File.ReadAllBytes(Path.Combine(_published, remote));
        return new ModelFile(remote, local, bytes.Length, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private string Stored(string name) => Path.Combine(_store, "clip-vit-base-patch32", name);

    private static ModelDownloader Downloader(List<DownloadProgress>? progress = null)
        => new(new HttpClient(), progress is null ? null : new SynchronousProgress(progress));

    private sealed class SynchronousProgress(List<DownloadProgress> reports) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => reports.Add(value);
    }
}
