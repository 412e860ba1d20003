using System.ComponentModel.DataAnnotations;
using BrewClip.Models.Catalogue;

namespace BrewClip.Models.Tests;

public sealed class ModelCatalogueTests
{
    [Fact]
    public void The_catalogue_offers_the_clips_and_whispers_users_choose_among_each_in_fp32_and_8_bit()
    {
        Assert.Equal(["clip-vit-base-patch32", "clip-vit-base-patch16", "clip-vit-large-patch14"], ModelCatalogue.Names(ModelFamily.Clip));
        Assert.Equal(["whisper-tiny", "whisper-base", "whisper-small", "whisper-large-v3-turbo"], ModelCatalogue.Names(ModelFamily.Whisper));
        Assert.All(ModelCatalogue.Entries, e => Assert.True(e.Has(ModelPrecision.Fp32) && e.Has(ModelPrecision.Int8), e.Name));
        Assert.Equal([512, 512, 768], ModelCatalogue.Entries.Where(e => e.Family == ModelFamily.Clip).Select(e => e.Width));
        Assert.Equal([384, 512, 768, 1280], ModelCatalogue.Entries.Where(e => e.Family == ModelFamily.Whisper).Select(e => e.Width));
        Assert.Equal(128, ModelCatalogue.Find("whisper-large-v3-turbo")!.MelBins);
    }

    [Fact]
    public void Every_precision_is_stored_under_the_same_names_in_a_folder_of_its_own()
    {
        foreach (var entry in ModelCatalogue.Entries)
        {
            var fp32 = entry.Files[ModelPrecision.Fp32].Select(f => f.LocalName).Where(n => !n.EndsWith("_data", StringComparison.Ordinal));
            Assert.Equal(fp32, entry.Files[ModelPrecision.Int8].Select(f => f.LocalName));
            Assert.Equal(entry.Name, entry.Folder(ModelPrecision.Fp32));
            Assert.Equal(entry.Name + "-int8", entry.Folder(ModelPrecision.Int8));
            Assert.Equal((entry, ModelPrecision.Int8), ModelCatalogue.ParsePull(entry.Name + "-int8"));
            // The 8-bit files are the uint8 `_quantized` exports, which ONNX Runtime's CPU provider loads.
            Assert.All(entry.Files[ModelPrecision.Int8].Where(f => f.LocalName.EndsWith(".onnx", StringComparison.Ordinal)),
                f => Assert.EndsWith("_quantized.onnx", f.RemotePath, StringComparison.Ordinal));
        }
        Assert.Null(ModelCatalogue.ParsePull("whisper-medium"));
        // large-v3-turbo's fp32 encoder is two files.
        Assert.Contains(ModelCatalogue.Find("whisper-large-v3-turbo")!.Files[ModelPrecision.Fp32], f => f.LocalName == "encoder_model.onnx_data");
    }

    [Fact]
    public void Options_that_name_no_catalogue_model_stop_the_service_naming_the_option_and_the_choices()
    {
        var options = new ModelOptions { Clip = "clip-vit-huge", Whisper = "clip-vit-base-patch32", Precision = "int4" };
        var errors = new List<ValidationResult>();
        Assert.False(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Collection(errors,
            e => Assert.Equal("Models:Clip is 'clip-vit-huge'; choose one of clip-vit-base-patch32, clip-vit-base-patch16, clip-vit-large-patch14.", e.ErrorMessage),
            e => Assert.Equal("Models:Whisper is 'clip-vit-base-patch32'; choose one of whisper-tiny, whisper-base, whisper-small, whisper-large-v3-turbo.", e.ErrorMessage),
            e => Assert.Equal("Models:Precision is 'int4'; it must be fp32 or int8.", e.ErrorMessage));
        var defaults = new ModelOptions();
        Assert.True(Validator.TryValidateObject(defaults, new ValidationContext(defaults), errors = [], validateAllProperties: true));
    }

    [Fact]
    public void The_store_looks_for_the_chosen_models_in_their_folders_and_names_what_is_missing()
    {
        var root = Directory.CreateTempSubdirectory("brewclip-choice-").FullName;
        try
        {
            var options = new ModelOptions { Root = root, Clip = "clip-vit-large-patch14", Whisper = "whisper-large-v3-turbo", Precision = "int8" };
            var store = options.Store();
            Assert.Equal(("clip-vit-large-patch14-int8", "whisper-large-v3-turbo-int8"), (store.Choice.ClipFolder, store.Choice.WhisperFolder));
            var missing = Assert.Throws<ModelMissingException>(() => store.ClipVision());
            Assert.Contains(Path.Combine(root, "clip-vit-large-patch14-int8", "vision_model.onnx"), missing.Message, StringComparison.Ordinal);
            Assert.Contains("brewclip models pull clip-vit-large-patch14-int8", missing.Message, StringComparison.Ordinal);
            Assert.Contains("--model clip-vit-large-patch14 --int8", missing.Message, StringComparison.Ordinal);

            // fp32 large-v3-turbo needs its encoder's external weights beside the graph.
            var fp32 = new ModelOptions { Root = root, Whisper = "whisper-large-v3-turbo" }.Store();
            var folder = Path.Combine(root, "whisper-large-v3-turbo");
            Directory.CreateDirectory(folder);
            foreach (var name in new[] { "encoder_model.onnx", "decoder_model_merged.onnx", "generation_config.json", "tokenizer.json" })
            {
                File.WriteAllText(Path.Combine(folder, name), "");
            }
            Assert.Contains("encoder_model.onnx_data", Assert.Throws<ModelMissingException>(() => fp32.Whisper()).Message, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(folder, "encoder_model.onnx_data"), "");
            Assert.Equal(folder, fp32.Whisper());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
