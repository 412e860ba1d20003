using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("BrewClip.Onnx.Tests")]
