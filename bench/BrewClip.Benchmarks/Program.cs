using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using BrewClip.Benchmarks;

// dotnet run -c Release --project bench/BrewClip.Benchmarks -- [gemm|train|heads|retrain|images|whisper|models|ingest|reembed|search|search-e2e|burst|all] [--quick]
//
// OpenBLAS 0.3.21 must run its SKYLAKEX kernels on AVX-512 processors to be a fair baseline; machines
// here may preset OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) for older builds' sake. The core type is fixed
// when the library loads, so the benchmark restarts itself with the right one unless told not to.
const string KeepEnvironment = "--keep-openblas-env";
if (Avx512F.IsSupported && !args.Contains(KeepEnvironment) && Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") != "SKYLAKEX")
{
    var info = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
    foreach (var arg in Environment.GetCommandLineArgs().Skip(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? 0 : 1))
    {
        info.ArgumentList.Add(arg);
    }
    info.ArgumentList.Add(KeepEnvironment);
    info.Environment["OPENBLAS_CORETYPE"] = "SKYLAKEX";
    info.Environment.Remove("OPENBLAS_L2_SIZE");
    using var child = Process.Start(info)!;
    child.WaitForExit();
    return child.ExitCode;
}

var what = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var quick = args.Contains("--quick");
if (what is "gemm" or "all")
{
    GemmBenchmark.Run(quick);
}
if (what is "train" or "all")
{
    TransformerStepBenchmark.Run(quick);
}
if (what is "heads" or "all")
{
    HeadTrainingBenchmark.Run(quick);
}
if (what is "retrain" or "all")
{
    RetrainBenchmark.Run(quick);
}
if (what is "images" or "all")
{
    await ImageEmbeddingBenchmark.RunAsync(quick);
}
if (what is "whisper" or "all")
{
    await WhisperBenchmark.RunAsync();
}
if (what is "models" or "all")
{
    ModelsBenchmark.Run(quick);
}
if (what is "ingest" or "all")
{
    await IngestBenchmark.RunAsync(quick);
}
if (what is "reembed" or "all")
{
    await ReembedBenchmark.RunAsync(quick);
}
if (what is "search" or "all")
{
    await SearchBenchmark.RunAsync(quick, args);
}
if (what is "search-e2e" or "all")
{
    await SearchEndToEndBenchmark.RunAsync(quick);
}
if (what is "burst" or "all")
{
    await BurstBenchmark.RunAsync(quick);
}
return 0;
