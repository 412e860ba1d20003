using System.Security.Cryptography;
using BrewClip.Storage.Migrations;
using BrewClip.Testing;

namespace BrewClip.Storage.Tests;

/// <summary>
/// Train and validation by connected group: pairs as a pairs.csv makes them (recordings sharing images, a recording
/// describing two images), inserted the way Ingest inserts them, never leave an image or a recording on both sides.
/// </summary>
public sealed class PairSplitTests : IAsyncLifetime
{
    private TestDatabase _db = null!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync(migrate: false);

    private Task MigrateAsync(int upTo = int.MaxValue) => new SchemaMigrator(_db.DataSource, MigrationCatalog.Embedded.Where(m => m.Version <= upTo).ToList()).MigrateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task PairAsync(IEnumerable<(long Recording, long Image)> pairs)
    {
        var list = pairs.ToList();
        await using var command = _db.DataSource.CreateCommand("""
            insert into brewclip.pairs (recording_id, image_id, origin, split)
            select r, i, 'pairs_csv', 'train' from unnest($1::bigint[], $2::bigint[]) as t(r, i)
            on conflict (recording_id, image_id) do update set origin = brewclip.pairs.origin
            """);
        command.Parameters.Add(new() { Value = list.Select(p => p.Recording).ToArray() });
        command.Parameters.Add(new() { Value = list.Select(p => p.Image).ToArray() });
        await command.ExecuteNonQueryAsync();
    }

    private async Task<Dictionary<(long Recording, long Image), string>> SplitsAsync()
    {
        var splits = new Dictionary<(long, long), string>();
        await using var command = _db.DataSource.CreateCommand("select recording_id, image_id, split from brewclip.pairs");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            splits[(reader.GetInt64(0), reader.GetInt64(1))] = reader.GetString(2);
        }
        return splits;
    }

    /// <summary>The side the rule gives a group: the first byte of the SHA-256 of its smallest content hash, under 26 for validation.</summary>
    private async Task<string> ExpectedSideAsync(IEnumerable<long> recordings, IEnumerable<long> images)
    {
        var hashes = await _db.ColumnAsync<byte[]>($"""
            select m.content_hash from brewclip.media m
            where m.id in (select media_id from brewclip.recordings where id = any(array[{string.Join(",", recordings)}]::bigint[]))
               or m.id in (select media_id from brewclip.images where id = any(array[{string.Join(",", images.Append(-1))}]::bigint[]))
            """);
        var smallest = hashes.Order(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).First();
        return SHA256.HashData(smallest)[0] < 26 ? "validation" : "train";
    }

    private static void AssertNoSideShared(Dictionary<(long Recording, long Image), string> splits)
    {
        foreach (var byRecording in splits.GroupBy(p => p.Key.Recording))
        {
            Assert.Single(byRecording.Select(p => p.Value).Distinct());
        }
        foreach (var byImage in splits.GroupBy(p => p.Key.Image))
        {
            Assert.Single(byImage.Select(p => p.Value).Distinct());
        }
    }

    [Fact]
    public async Task An_image_with_all_its_recordings_is_on_one_side_and_a_recording_that_joins_two_groups_moves_one_to_the_other()
    {
        await MigrateAsync();
        var images = await IndexFixture.AddImagesAsync(_db, 60);
        var recordings = await IndexFixture.AddRecordingsAsync(_db, Enumerable.Repeat(1, 300).ToArray());
        // Five captions an image, as a pairs.csv of a captioned image set lists them.
        await PairAsync(Enumerable.Range(0, 300).Select(r => (recordings[r], images[r / 5])));

        var splits = await SplitsAsync();
        AssertNoSideShared(splits);
        for (var i = 0; i < 60; i++)
        {
            Assert.Equal(await ExpectedSideAsync(recordings.Skip(i * 5).Take(5), [images[i]]), splits[(recordings[i * 5], images[i])]);
        }
        // About 10% of groups are held out whatever their size (the smallest of six hashes is hashed again).
        var held = Enumerable.Range(0, 60).Count(i => splits[(recordings[i * 5], images[i])] == "validation");
        Assert.InRange(held, 1, 15);

        // One recording also describes an image of a group on the other side: the two groups become one, on one side.
        var train = Enumerable.Range(0, 60).First(i => splits[(recordings[i * 5], images[i])] == "train");
        var validation = Enumerable.Range(0, 60).First(i => splits[(recordings[i * 5], images[i])] == "validation");
        await PairAsync([(recordings[train * 5], images[validation])]);

        var before = splits;
        splits = await SplitsAsync();
        AssertNoSideShared(splits);
        var joined = splits.Where(p => p.Key.Image == images[train] || p.Key.Image == images[validation]).ToList();
        Assert.Equal(11, joined.Count);
        var side = await ExpectedSideAsync(recordings.Skip(train * 5).Take(5).Concat(recordings.Skip(validation * 5).Take(5)), [images[train], images[validation]]);
        Assert.All(joined, p => Assert.Equal(side, p.Value));
        // Nothing else moved.
        Assert.All(splits.Where(p => p.Key.Image != images[train] && p.Key.Image != images[validation]), p => Assert.Equal(before[p.Key], p.Value));
    }

    [Fact]
    public async Task Upgrading_puts_the_pairs_there_are_on_their_groups_sides()
    {
        await MigrateAsync(upTo: 14);
        var images = await IndexFixture.AddImagesAsync(_db, 60);
        var recordings = await IndexFixture.AddRecordingsAsync(_db, Enumerable.Repeat(1, 300).ToArray());
        await PairAsync(Enumerable.Range(0, 300).Select(r => (recordings[r], images[r / 5])));
        // Split by recording, as before: some images are on both sides.
        var before = await SplitsAsync();
        Assert.Contains(before.GroupBy(p => p.Key.Image), g => g.Select(p => p.Value).Distinct().Count() == 2);

        await MigrateAsync();

        var after = await SplitsAsync();
        AssertNoSideShared(after);
        for (var i = 0; i < 60; i++)
        {
            Assert.Equal(await ExpectedSideAsync(recordings.Skip(i * 5).Take(5), [images[i]]), after[(recordings[i * 5], images[i])]);
        }
    }
}
