using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace BrewClip.Onnx;

/// <summary>
/// A model loaded into ONNX Runtime (an <see cref="InferenceSession"/>). Its input and output metadata are read
/// once; <see cref="Run"/> may be called from several threads at once (ONNX Runtime's Run is thread-safe for one
/// session); inputs are pinned in place, not copied.
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private readonly InferenceSession _session;
    private bool _disposed;

    private OnnxSession(InferenceSession session, string modelPath, ExecutionProvider provider)
    {
        _session = session;
        ModelPath = modelPath;
        Provider = provider;
        Inputs = Describe(session.InputMetadata, session.InputNames);
        Outputs = Describe(session.OutputMetadata, session.OutputNames);
    }

    public string ModelPath { get; }

    /// <summary>The provider the session actually runs on (CPU after a fallback from CUDA).</summary>
    public ExecutionProvider Provider { get; }

    public IReadOnlyList<NodeInfo> Inputs { get; }

    public IReadOnlyList<NodeInfo> Outputs { get; }

    public static OnnxSession Open(OnnxEnvironment environment, string modelPath, OnnxSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        options ??= new OnnxSessionOptions();
        logger ??= NullLogger.Instance;
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"The model file {modelPath} does not exist.", modelPath);
        }
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = options.Optimization,
            EnableMemoryPattern = options.MemoryPattern,
        };
        if (!options.AllowSpinning)
        {
            sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }
        var provider = options.Provider == ExecutionProvider.Cuda
            ? AppendCuda(sessionOptions, options, modelPath, logger)
            : ExecutionProvider.Cpu;
        return new OnnxSession(new InferenceSession(modelPath, sessionOptions), modelPath, provider);
    }

    /// <summary>Runs the model; the outputs stay valid until the returned object is disposed.</summary>
    public OnnxOutputs Run(IReadOnlyList<OnnxInput> inputs, IReadOnlyList<string> outputNames)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            foreach (var input in inputs)
            {
                values.Add(input.ToOrtValue());
            }
            using var runOptions = new RunOptions();
            var results = _session.Run(runOptions, inputs.Select(i => i.Name).ToList(), values, outputNames);
            try
            {
                return new OnnxOutputs(results, outputNames);
            }
            catch
            {
                results.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _session.Dispose();
    }

    private static List<NodeInfo> Describe(IReadOnlyDictionary<string, NodeMetadata> metadata, IReadOnlyList<string> names)
        => names.Select(name =>
        {
            var node = metadata[name];
            if (!node.IsTensor)
            {
                // Not a tensor (sequence, map, ...): listed without a shape.
                return new NodeInfo(name, Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.DataTypeMax, [], []);
            }
            var symbols = node.SymbolicDimensions.Select(s => string.IsNullOrEmpty(s) ? null : s).ToArray();
            return new NodeInfo(name, node.ElementDataType, node.Dimensions.Select(d => (long)d).ToArray(), symbols);
        }).ToList();

    private static ExecutionProvider AppendCuda(SessionOptions sessionOptions, OnnxSessionOptions options, string modelPath, ILogger logger)
    {
        try
        {
            sessionOptions.AppendExecutionProvider_CUDA(options.DeviceId);
            return ExecutionProvider.Cuda;
        }
        catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
        {
            if (options.RequireProvider)
            {
                throw new ExecutionProviderUnavailableException(
                    $"the CUDA execution provider could not be loaded for {modelPath} and the CUDA provider is required (Models:RequireExecutionProvider=true): {e.Message}", e);
            }
            logger.LogWarning("The CUDA execution provider could not be loaded for {Model} ({Reason}); running on the CPU instead.", modelPath, e.Message);
            return ExecutionProvider.Cpu;
        }
    }
}
