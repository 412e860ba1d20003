using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using BrewClip.Onnx.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BrewClip.Onnx;

/// <summary>
/// A model loaded into ONNX Runtime. Its input and output metadata are read once; <see cref="Run"/> may
/// be called from several threads at once (ONNX Runtime's Run is thread-safe for one session).
/// </summary>
public sealed unsafe class OnnxSession : IDisposable
{
    private readonly OnnxEnvironment _environment;
    private readonly OrtHandle _session;

    private OnnxSession(OnnxEnvironment environment, OrtHandle session, string modelPath, ExecutionProvider provider)
    {
        _environment = environment;
        _session = session;
        ModelPath = modelPath;
        Provider = provider;
        Inputs = ReadNodes(input: true);
        Outputs = ReadNodes(input: false);
    }

    public string ModelPath { get; }

    /// <summary>The provider the session actually runs on (CPU after a fallback from CUDA).</summary>
    public ExecutionProvider Provider { get; }

    public IReadOnlyList<NodeInfo> Inputs { get; }

    public IReadOnlyList<NodeInfo> Outputs { get; }

    public static OnnxSession Open(OnnxEnvironment environment, string modelPath, OnnxSessionOptions? options = null, ILogger? logger = null)
    {
        options ??= new OnnxSessionOptions();
        logger ??= NullLogger.Instance;
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"The model file {modelPath} does not exist.", modelPath);
        }
        var api = environment.Api;
        nint rawOptions;
        api.Check(api.CreateSessionOptions(&rawOptions));
        using var sessionOptions = new OrtHandle(rawOptions, api.ReleaseSessionOptions);
        api.Check(api.SetIntraOpNumThreads(rawOptions, options.IntraOpThreads));
        api.Check(api.SetInterOpNumThreads(rawOptions, 1));
        api.Check(api.SetSessionGraphOptimizationLevel(rawOptions, (int)options.Optimization));
        api.Check(options.MemoryPattern ? api.EnableMemPattern(rawOptions) : api.DisableMemPattern(rawOptions));
        if (!options.AllowSpinning)
        {
            fixed (byte* key = "session.intra_op.allow_spinning\0"u8, value = "0\0"u8)
            {
                api.Check(api.AddSessionConfigEntry(rawOptions, key, value));
            }
        }

        var provider = ExecutionProvider.Cpu;
        if (options.Provider == ExecutionProvider.Cuda)
        {
            provider = AppendCuda(api, rawOptions, options, modelPath, logger);
        }

        nint session;
        var path = Encoding.UTF8.GetBytes(modelPath + "\0");
        fixed (byte* p = path)
        {
            api.Check(api.CreateSession(environment.Env.DangerousGetHandle(), p, rawOptions, &session));
        }
        return new OnnxSession(environment, new OrtHandle(session, api.ReleaseSession), modelPath, provider);
    }

    /// <summary>Runs the model; the outputs stay valid until the returned object is disposed.</summary>
    public OnnxOutputs Run(IReadOnlyList<OnnxInput> inputs, IReadOnlyList<string> outputNames)
    {
        var api = _environment.Api;
        var added = false;
        var pins = new MemoryHandle[inputs.Count];
        var inputValues = new nint[inputs.Count];
        var inputNames = new nint[inputs.Count];
        var outputNamePointers = new nint[outputNames.Count];
        var outputValues = new nint[outputNames.Count];
        try
        {
            _session.DangerousAddRef(ref added);
            var memory = _environment.CpuMemory.DangerousGetHandle();
            for (var i = 0; i < inputs.Count; i++)
            {
                var input = inputs[i];
                inputNames[i] = Marshal.StringToCoTaskMemUTF8(input.Name);
                pins[i] = input.Pin();
                fixed (long* shape = input.Shape)
                {
                    nint value;
                    api.Check(api.CreateTensorWithDataAsOrtValue(memory, pins[i].Pointer, input.ByteLength, shape,
                        (nuint)input.Shape.Length, (int)input.ElementType, &value));
                    inputValues[i] = value;
                }
            }
            for (var i = 0; i < outputNames.Count; i++)
            {
                outputNamePointers[i] = Marshal.StringToCoTaskMemUTF8(outputNames[i]);
            }
            fixed (nint* inNames = inputNames, inValues = inputValues, outNames = outputNamePointers, outValues = outputValues)
            {
                api.Check(api.Run(_session.DangerousGetHandle(), 0, (byte**)inNames, inValues, (nuint)inputs.Count,
                    (byte**)outNames, (nuint)outputNames.Count, outValues));
            }

            var handles = outputValues.Select(v => new OrtHandle(v, api.ReleaseValue)).ToArray();
            Array.Clear(outputValues);
            var outputs = new OnnxOutputs(handles);
            try
            {
                for (var i = 0; i < handles.Length; i++)
                {
                    outputs.Add(Describe(outputs, outputNames[i], handles[i].DangerousGetHandle()));
                }
            }
            catch
            {
                outputs.Dispose();
                throw;
            }
            return outputs;
        }
        finally
        {
            foreach (var value in outputValues.Where(v => v != 0))
            {
                api.ReleaseValue(value);
            }
            foreach (var value in inputValues.Where(v => v != 0))
            {
                api.ReleaseValue(value);
            }
            foreach (var pin in pins)
            {
                pin.Dispose();
            }
            foreach (var name in inputNames.Concat(outputNamePointers).Where(n => n != 0))
            {
                Marshal.FreeCoTaskMem(name);
            }
            if (added)
            {
                _session.DangerousRelease();
            }
        }
    }

    public void Dispose() => _session.Dispose();

    private OnnxOutput Describe(OnnxOutputs owner, string name, nint value)
    {
        var api = _environment.Api;
        nint info;
        api.Check(api.GetTensorTypeAndShape(value, &info));
        using var infoHandle = new OrtHandle(info, api.ReleaseTensorTypeAndShapeInfo);
        var (type, shape, _) = ReadTensorInfo(api, info, withSymbols: false);
        void* data;
        api.Check(api.GetTensorMutableData(value, &data));
        return new OnnxOutput(owner, name, type, shape, data);
    }

    private IReadOnlyList<NodeInfo> ReadNodes(bool input)
    {
        var api = _environment.Api;
        var session = _session.DangerousGetHandle();
        nuint count;
        api.Check(input ? api.SessionGetInputCount(session, &count) : api.SessionGetOutputCount(session, &count));
        nint allocator;
        api.Check(api.GetAllocatorWithDefaultOptions(&allocator));
        var nodes = new List<NodeInfo>();
        for (nuint i = 0; i < count; i++)
        {
            byte* rawName;
            api.Check(input ? api.SessionGetInputName(session, i, allocator, &rawName) : api.SessionGetOutputName(session, i, allocator, &rawName));
            var name = Marshal.PtrToStringUTF8((nint)rawName) ?? "";
            api.Check(api.AllocatorFree(allocator, rawName));

            nint typeInfo;
            api.Check(input ? api.SessionGetInputTypeInfo(session, i, &typeInfo) : api.SessionGetOutputTypeInfo(session, i, &typeInfo));
            using var typeHandle = new OrtHandle(typeInfo, api.ReleaseTypeInfo);
            int onnxType;
            api.Check(api.GetOnnxTypeFromTypeInfo(typeInfo, &onnxType));
            if (onnxType != 1)
            {
                // Not a tensor (sequence, map, ...): listed without a shape.
                nodes.Add(new NodeInfo(name, TensorElementType.Undefined, [], []));
                continue;
            }
            nint tensorInfo;
            api.Check(api.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
            var (type, shape, symbols) = ReadTensorInfo(api, tensorInfo, withSymbols: true);
            nodes.Add(new NodeInfo(name, type, shape, symbols));
        }
        return nodes;
    }

    private static (TensorElementType Type, long[] Shape, string?[] Symbols) ReadTensorInfo(OrtApi api, nint info, bool withSymbols)
    {
        int type;
        api.Check(api.GetTensorElementType(info, &type));
        nuint rank;
        api.Check(api.GetDimensionsCount(info, &rank));
        var shape = new long[(int)rank];
        var symbols = new string?[(int)rank];
        fixed (long* dims = shape)
        {
            api.Check(api.GetDimensions(info, dims, rank));
        }
        if (withSymbols && rank > 0)
        {
            var names = new nint[(int)rank];
            fixed (nint* p = names)
            {
                api.Check(api.GetSymbolicDimensions(info, (byte**)p, rank));
            }
            for (var d = 0; d < (int)rank; d++)
            {
                var symbol = names[d] == 0 ? null : Marshal.PtrToStringUTF8(names[d]);
                symbols[d] = string.IsNullOrEmpty(symbol) ? null : symbol;
            }
        }
        return ((TensorElementType)type, shape, symbols);
    }

    private static ExecutionProvider AppendCuda(OrtApi api, nint options, OnnxSessionOptions settings, string modelPath, ILogger logger)
    {
        // OrtCUDAProviderOptions, zero-filled beyond the fields set here (later versions append fields whose zero is the default).
        var buffer = stackalloc byte[256];
        new Span<byte>(buffer, 256).Clear();
        *(int*)buffer = settings.DeviceId;                 // device_id
        *(int*)(buffer + 4) = 2;                           // cudnn_conv_algo_search = OrtCudnnConvAlgoSearchDefault
        *(nuint*)(buffer + 8) = nuint.MaxValue;            // gpu_mem_limit = no limit
        *(int*)(buffer + 16) = 0;                          // arena_extend_strategy = next power of two
        *(int*)(buffer + 20) = 1;                          // do_copy_in_default_stream
        try
        {
            api.Check(api.SessionOptionsAppendExecutionProvider_CUDA(options, buffer));
            return ExecutionProvider.Cuda;
        }
        catch (OnnxRuntimeException e)
        {
            if (settings.RequireProvider)
            {
                throw new OnnxRuntimeException(e.Code,
                    $"the CUDA execution provider could not be loaded for {modelPath} and the CUDA provider is required: {e.RuntimeMessage}");
            }
            logger.LogWarning("The CUDA execution provider could not be loaded for {Model} ({Reason}); running on the CPU instead.", modelPath, e.RuntimeMessage);
            return ExecutionProvider.Cpu;
        }
    }
}
