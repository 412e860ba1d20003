using BrewClip.Onnx.Native;

namespace BrewClip.Onnx.Tests;

public sealed class OrtLibraryTests
{
    private static readonly string Installed = OnnxEnvironment.Shared().LibraryPath;

    [Fact]
    public void Missing_library_is_one_error_naming_every_place_looked()
    {
        var folder = Directory.CreateTempSubdirectory("brewclip-ort-").FullName;
        var e = Assert.Throws<OnnxRuntimeNotFoundException>(() => OrtLibrary.Load(
            Path.Combine(folder, "configured.so"), Path.Combine(folder, "from-env.so"), folder, Path.Combine(folder, "infra.so")));
        Assert.Contains("configured.so", e.Message, StringComparison.Ordinal);
        Assert.Contains("BREWCLIP_ORT_LIB", e.Message, StringComparison.Ordinal);
        Assert.Contains("beside the application", e.Message, StringComparison.Ordinal);
        Assert.Contains("infra.so", e.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/infra.sh up", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configured_path_comes_first_then_the_environment_then_the_app_folder_then_infra()
    {
        var folder = Directory.CreateTempSubdirectory("brewclip-ort-").FullName;
        var missing = Path.Combine(folder, "missing.so");
        Assert.Equal(Installed, OrtLibrary.Load(Installed, missing, folder, missing).Path);
        Assert.Equal(Installed, OrtLibrary.Load(missing, Installed, folder, missing).Path);
        Assert.Equal(Installed, OrtLibrary.Load(null, null, folder, Installed).Path);
        File.Copy(Installed, Path.Combine(folder, "libonnxruntime.so.1"));
        Assert.Equal(Path.Combine(folder, "libonnxruntime.so.1"), OrtLibrary.Load(null, null, folder, Installed).Path);
    }

    [Fact]
    public void A_file_that_is_not_onnx_runtime_is_named()
    {
        var bogus = Path.GetTempFileName();
        File.WriteAllText(bogus, "not a library");
        var e = Assert.Throws<OnnxRuntimeNotFoundException>(() => OrtLibrary.Load(bogus, null, "/nonexistent", "/nonexistent/x.so"));
        Assert.Contains(bogus, e.Message, StringComparison.Ordinal);
        var libc = Assert.Throws<OnnxRuntimeNotFoundException>(() => OrtLibrary.Load("/lib/x86_64-linux-gnu/libc.so.6", null, "/nonexistent", "/nonexistent/x.so"));
        Assert.Contains("OrtGetApiBase", libc.Message, StringComparison.Ordinal);
    }
}
