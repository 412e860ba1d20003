using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BrewClip.Models;
using BrewClip.Models.Heads;
using BrewClip.Models.Training;
using BrewClip.Storage;
using BrewClip.Training.Data;
using BrewClip.Training.ModelVersions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BrewClip.Training.Runs;

/// <summary>Someone cancelled the run (brewclip retrain --cancel, brewclip.cancel_retrain()).</summary>
internal sealed class RunCancelledException() : Exception("cancelled on request");
