using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace BrewClip.Onnx.Tests;

public sealed class OnnxSessionTests
{
    private static readonly OnnxEnvironment Environment = OnnxEnvironment.Shared();

    [Fact]
    public void Loads_the_native_library_that_matches_the_managed_api()
    {
        Assert.Equal(OnnxEnvironment.ManagedVersion, Environment.Version);
        Assert.Null(Environment.LibraryPath);
        Assert.Contains("CPUExecutionProvider", Environment.AvailableProviders);
    }

    [Fact]
    public void A_configured_library_that_does_not_exist_is_named_with_its_option()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-dir", "libonnxruntime.so");
        var e = Assert.Throws<OnnxRuntimeNotFoundException>(() => OnnxEnvironment.Shared(missing));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("Models:OnnxLibraryPath", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_input_and_output_metadata_with_symbolic_dimensions()
    {
        using var session = OnnxSession.Open(Environment, Fixtures.Arith);

        Assert.Equal(["x", "ids", "h"], session.Inputs.Select(i => i.Name));
        Assert.Equal(["y", "id_sum", "h2"], session.Outputs.Select(o => o.Name));
        var x = session.Inputs[0];
        Assert.Equal(TensorElementType.Float, x.ElementType);
        Assert.Equal([-1L, 4L], x.Shape);
        Assert.Equal("batch", x.SymbolicDimensions[0]);
        Assert.Null(x.SymbolicDimensions[1]);
        Assert.Equal(TensorElementType.Int64, session.Inputs[1].ElementType);
        Assert.Equal(TensorElementType.Float16, session.Inputs[2].ElementType);
        Assert.Equal(TensorElementType.Int64, session.Outputs[1].ElementType);
        Assert.Equal("x: Float[batch, 4]", x.ToString());
    }

    [Theory]
    [InlineData(GraphOptimizationLevel.ORT_DISABLE_ALL, false, 1)]
    [InlineData(GraphOptimizationLevel.ORT_ENABLE_ALL, true, 2)]
    public void Runs_float_int64_and_float16_tensors_to_known_answers(GraphOptimizationLevel level, bool memoryPattern, int threads)
    {
        using var session = OnnxSession.Open(Environment, Fixtures.Arith,
            new OnnxSessionOptions { Optimization = level, MemoryPattern = memoryPattern, IntraOpThreads = threads });
        float[] x = [1, 0, -2, 0.5f, 3, 1, 1, -1];
        long[] ids = [7, 8, -5, 100];
        Half[] h = [(Half)0.5f, (Half)(-1.25f), (Half)3f, (Half)0f, (Half)1024f, (Half)(-0.125f)];

        using var outputs = session.Run(
            [OnnxInput.Float("x", x, 2, 4), OnnxInput.Int64("ids", ids, 2, 2), OnnxInput.Float16("h", h, 2, 3)],
            ["y", "id_sum", "h2"]);

        var y = outputs["y"];
        Assert.Equal([2L, 3L], y.Shape);
        var expected = Fixtures.ExpectedY(x.AsSpan(0, 4)).Concat(Fixtures.ExpectedY(x.AsSpan(4, 4))).ToArray();
        var actual = y.AsFloats().ToArray();
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
        Assert.Equal([15L, 95L], outputs["id_sum"].AsInt64s().ToArray());
        Assert.Equal(h.Select(v => (Half)((float)v * 2)).ToArray(), outputs["h2"].AsHalfs().ToArray());
        Assert.Equal(h.Select(v => (float)v * 2).ToArray(), outputs["h2"].ToFloatArray());
    }

    [Fact]
    public void A_subset_of_outputs_can_be_requested()
    {
        using var session = OnnxSession.Open(Environment, Fixtures.Arith);
        using var outputs = session.Run(
            [OnnxInput.Float("x", new float[4], 1, 4), OnnxInput.Int64("ids", new long[] { 1, 2 }, 1, 2), OnnxInput.Float16("h", new Half[3], 1, 3)],
            ["id_sum"]);
        Assert.Equal([3L], outputs["id_sum"].AsInt64s().ToArray());
        Assert.Throws<KeyNotFoundException>(() => outputs["y"]);
    }

    [Fact]
    public void Runtime_errors_carry_onnx_runtimes_code_and_message()
    {
        using var session = OnnxSession.Open(Environment, Fixtures.Arith);
        var e = Assert.Throws<OnnxRuntimeException>(() => session.Run([OnnxInput.Float("nope", new float[4], 1, 4)], ["y"]));
        Assert.Contains("InvalidArgument", e.Message, StringComparison.Ordinal);
        Assert.Contains("nope", e.Message, StringComparison.Ordinal);

        var wrongShape = Assert.Throws<OnnxRuntimeException>(() => session.Run(
            [OnnxInput.Float("x", new float[6], 2, 3), OnnxInput.Int64("ids", new long[4], 2, 2), OnnxInput.Float16("h", new Half[6], 2, 3)], ["y"]));
        Assert.Contains("InvalidArgument", wrongShape.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_that_does_not_fill_its_shape_is_refused_before_the_run()
    {
        var e = Assert.Throws<ArgumentException>(() => OnnxInput.Float("x", new float[5], 2, 4));
        Assert.Contains("'x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_and_corrupt_models_are_reported()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-model.onnx");
        var notFound = Assert.Throws<FileNotFoundException>(() => OnnxSession.Open(Environment, missing));
        Assert.Contains(missing, notFound.Message, StringComparison.Ordinal);

        var corrupt = Path.GetTempFileName();
        File.WriteAllText(corrupt, "this is not a protobuf");
        try
        {
            var e = Assert.Throws<OnnxRuntimeException>(() => OnnxSession.Open(Environment, corrupt));
            Assert.Contains("ErrorCode", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(corrupt);
        }
    }

    [Fact]
    public void Concurrent_runs_on_one_session_each_get_their_own_answer()
    {
        using var session = OnnxSession.Open(Environment, Fixtures.Arith, new OnnxSessionOptions { IntraOpThreads = 1 });
        Parallel.For(0, 400, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            float[] x = [i, -i, i / 2f, 1];
            using var outputs = session.Run(
                [OnnxInput.Float("x", x, 1, 4), OnnxInput.Int64("ids", new long[] { i, 2 * i }, 1, 2), OnnxInput.Float16("h", new Half[3], 1, 3)],
                ["y", "id_sum"]);
            var expected = Fixtures.ExpectedY(x);
            var y = outputs["y"].AsFloats();
            for (var j = 0; j < 3; j++)
            {
                Assert.Equal(expected[j], y[j], 3);
            }
            Assert.Equal(3L * i, outputs["id_sum"].AsInt64s()[0]);
        });
    }

    [Fact]
    public void Disposed_session_and_outputs_refuse_use_and_dispose_twice_safely()
    {
        var session = OnnxSession.Open(Environment, Fixtures.Arith);
        var outputs = session.Run(
            [OnnxInput.Float("x", new float[4], 1, 4), OnnxInput.Int64("ids", new long[2], 1, 2), OnnxInput.Float16("h", new Half[3], 1, 3)], ["y"]);
        var y = outputs["y"];
        outputs.Dispose();
        outputs.Dispose();
        Assert.Throws<ObjectDisposedException>(() => y.AsFloats().ToArray());
        session.Dispose();
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Run([OnnxInput.Float("x", new float[4], 1, 4)], ["y"]));
    }

    // The default build carries ONNX Runtime's CPU library, which has no CUDA provider on any machine; a build with
    // -p:OnnxRuntimeGpu=true lists it, and it loads only where CUDA does. Each test checks what this build and machine
    // can do, so it holds on either.
    [Fact]
    public void Cuda_runs_where_it_loads_and_otherwise_falls_back_to_cpu_with_a_log_line()
    {
        var logger = new ListLogger();
        using var session = OnnxSession.Open(Environment, Fixtures.Arith, new OnnxSessionOptions { Provider = ExecutionProvider.Cuda }, logger);
        if (!Environment.AvailableProviders.Contains("CUDAExecutionProvider"))
        {
            Assert.Equal(ExecutionProvider.Cpu, session.Provider);
        }
        if (session.Provider == ExecutionProvider.Cpu)
        {
            var warning = Assert.Single(logger.Messages, m => m.Level == LogLevel.Warning);
            Assert.Contains("CUDA execution provider could not be loaded", warning.Text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(ExecutionProvider.Cuda, session.Provider);
            Assert.DoesNotContain(logger.Messages, m => m.Level == LogLevel.Warning);
        }
        using var outputs = session.Run(
            [OnnxInput.Float("x", new float[4], 1, 4), OnnxInput.Int64("ids", new long[2], 1, 2), OnnxInput.Float16("h", new Half[3], 1, 3)], ["y"]);
        Assert.Equal([1f, 2f, 3f], outputs["y"].AsFloats().ToArray());
    }

    [Fact]
    public void Required_cuda_fails_the_session_exactly_where_it_cannot_load()
    {
        var options = new OnnxSessionOptions { Provider = ExecutionProvider.Cuda, RequireProvider = true };
        var loads = OnnxSession.Open(Environment, Fixtures.Arith, options with { RequireProvider = false }, new ListLogger()) is var probe
            && probe.Provider == ExecutionProvider.Cuda;
        probe.Dispose();
        if (loads)
        {
            using var session = OnnxSession.Open(Environment, Fixtures.Arith, options);
            Assert.Equal(ExecutionProvider.Cuda, session.Provider);
            return;
        }
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => OnnxSession.Open(Environment, Fixtures.Arith, options));
        Assert.Contains("CUDA", e.Message, StringComparison.Ordinal);
        Assert.Contains("required", e.Message, StringComparison.Ordinal);
    }
}
