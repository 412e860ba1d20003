using System.Diagnostics;
using System.Globalization;
using BrewClip.Testing;

namespace BrewClip.Benchmarks;

/// <summary>
/// Memory under a burst: 5,000 files (1,000 with --quick; half 1 s WAVs, half small BMPs, each different) dropped at
/// once into a folder that Ingest, Transcription, AcousticEmbedding and ImageEmbedding index as separate processes
/// (the built services, the fixture models, the stack of scripts/infra.sh). Each service's resident set is sampled
/// every 250 ms until everything is indexed; reported against the same process's resident set when it was ready
/// and idle (the baseline measured in the same run), and the peak over the first fifth of the items against the
/// peak over all of them: a bounded service peaks early and stays there while the backlog drains.
/// </summary>
internal static class BurstBenchmark
{
    private static readonly string[] Projects = ["BrewClip.Ingest", "BrewClip.Transcription", "BrewClip.AcousticEmbedding", "BrewClip.ImageEmbedding"];

    public static async Task RunAsync(bool quick)
    {
        var count = quick ? 1000 : 5000;
        Console.WriteLine($"# Burst: {count} files dropped at once; resident memory per service (fixture models)");
        var work = Directory.CreateTempSubdirectory("brewclip-bench-burst-").FullName;
        var inbox = Directory.CreateDirectory(Path.Combine(work, "inbox")).FullName;
        var made = Directory.CreateDirectory(Path.Combine(work, "made")).FullName;
        await using var db = await TestDatabase.CreateAsync();
        var services = new List<(string Project, ServiceProcess Process, long IdleKb)>();
        try
        {
            var files = Enumerable.Range(0, count).Select(i => i % 2 == 0 ? WriteWav(made, i) : WriteBmp(made, i)).ToList();
            foreach (var project in Projects)
            {
                var port = ServiceProcess.FreePort();
                var settings = StackSettings.For(db, port);
                settings["BREWCLIP__Artifacts__Root"] = Path.Combine(work, "artifacts");
                settings["BREWCLIP__Ingest__Folders__0__Name"] = "inbox";
                settings["BREWCLIP__Ingest__Folders__0__Path"] = inbox;
                settings["BREWCLIP__Ingest__StableForMs"] = "500";
                var process = ServiceProcess.Start(project, settings);
                var ready = await process.WaitForReadyAsync(port);
                if (ready is null)
                {
                    throw new InvalidOperationException(project + " did not start:\n" + process);
                }
                services.Add((project, process, 0));
            }
            await Task.Delay(2000); // idle: started, models loaded, nothing to do
            services = services.Select(s => (s.Project, s.Process, ResidentKb(s.Process.ProcessId))).ToList();

            var clock = Stopwatch.StartNew();
            foreach (var file in files)
            {
                File.Move(file, Path.Combine(inbox, Path.GetFileName(file)));
            }
            var peak = new long[services.Count];
            var earlyPeak = new long[services.Count];
            var fifthAt = TimeSpan.Zero;
            long done = 0;
            while (done < count)
            {
                Assert(clock.Elapsed < TimeSpan.FromHours(1), "the burst was not indexed within an hour");
                for (var s = 0; s < services.Count; s++)
                {
                    Assert(!services[s].Process.HasExited, $"{services[s].Project} exited:\n{services[s].Process}");
                    peak[s] = Math.Max(peak[s], ResidentKb(services[s].Process.ProcessId));
                }
                done = await db.ScalarAsync<long>("""
                    select (select count(*) from brewclip.recordings where stage in ('embedded', 'failed'))
                         + (select count(*) from brewclip.images where stage in ('embedded', 'failed'))
                         + (select count(*) from brewclip.media where status = 'rejected')
                    """);
                if (fifthAt == TimeSpan.Zero && done >= count / 5)
                {
                    fifthAt = clock.Elapsed;
                    peak.CopyTo(earlyPeak, 0);
                }
                await Task.Delay(250);
            }
            var seconds = clock.Elapsed.TotalSeconds;
            var failed = await db.ScalarAsync<long>("""
                select (select count(*) from brewclip.recordings where stage = 'failed') + (select count(*) from brewclip.images where stage = 'failed')
                     + (select count(*) from brewclip.media where status = 'rejected')
                """);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  indexed {count} files in {seconds:F0} s ({count / seconds:F1} files/s); first fifth by {fifthAt.TotalSeconds:F0} s; failed or rejected: {failed}"));
            Console.WriteLine("  service               idle MB   peak MB   peak/idle   peak in first fifth / peak");
            for (var s = 0; s < services.Count; s++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {services[s].Project["BrewClip.".Length..],-20} {services[s].IdleKb / 1024.0,8:F0}  {peak[s] / 1024.0,8:F0}  {peak[s] / (double)services[s].IdleKb,10:F2}   {earlyPeak[s] / (double)peak[s],10:F2}"));
            }
        }
        finally
        {
            foreach (var (_, process, _) in services)
            {
                await process.DisposeAsync();
            }
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Assert(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>VmRSS of a process, in KB.</summary>
    private static long ResidentKb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }

    /// <summary>One second of a tone at 16 kHz, 16-bit mono; each file's pitch differs.</summary>
    private static string WriteWav(string folder, int i)
    {
        const int rate = 16000;
        var path = Path.Combine(folder, $"tone-{i:D5}.wav");
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write("RIFF"u8);
        writer.Write(36 + rate * 2);
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)1);
        writer.Write(rate);
        writer.Write(rate * 2);
        writer.Write((short)2);
        writer.Write((short)16);
        writer.Write("data"u8);
        writer.Write(rate * 2);
        var frequency = 150 + i * 0.37;
        for (var t = 0; t < rate; t++)
        {
            writer.Write((short)(8000 * Math.Sin(2 * Math.PI * frequency * t / rate)));
        }
        return path;
    }

    /// <summary>A 32x24 24-bit BMP; each file's colours differ.</summary>
    private static string WriteBmp(string folder, int i)
    {
        const int width = 32, height = 24, row = width * 3;
        var path = Path.Combine(folder, $"image-{i:D5}.bmp");
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write("BM"u8);
        writer.Write(54 + row * height);
        writer.Write(0);
        writer.Write(54);
        writer.Write(40);
        writer.Write(width);
        writer.Write(height);
        writer.Write((short)1);
        writer.Write((short)24);
        writer.Write(0);
        writer.Write(row * height);
        writer.Write(2835);
        writer.Write(2835);
        writer.Write(0);
        writer.Write(0);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                writer.Write((byte)(i & 0xFF));
                writer.Write((byte)((i >> 8) & 0xFF));
                writer.Write((byte)(x * 8 + y));
            }
        }
        return path;
    }
}
