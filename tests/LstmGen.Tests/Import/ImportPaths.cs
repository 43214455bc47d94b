using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using LstmGen.Import;
using PureHDF;
using PureHDF.VOL.Native;
using Xunit;

namespace LstmGen.Tests.Import;

/// <summary>Where the import tests find their files: the repository (fixtures) and ../shared/keras-models (real files).</summary>
internal static class ImportPaths
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LstmGen.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException($"No LstmGen.sln above {AppContext.BaseDirectory}.");
    });

    /// <summary>The repository root (the folder holding LstmGen.sln).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>tests/LstmGen.Tests/Fixtures/Keras in the source tree.</summary>
    public static string KerasFixtures => Path.Combine(RepositoryRoot, "tests", "LstmGen.Tests", "Fixtures", "Keras");

    /// <summary>tests/LstmGen.Tests/Fixtures/Torch in the source tree.</summary>
    public static string TorchFixtures => Path.Combine(RepositoryRoot, "tests", "LstmGen.Tests", "Fixtures", "Torch");

    /// <summary>
    /// ../shared/keras-models next to the repository (CI lays it there). A missing folder fails the test with the reason:
    /// these files are not in the repository and must not be copied into it.
    /// </summary>
    public static string SharedKerasModels
    {
        get
        {
            string path = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "keras-models"));
            Assert.True(Directory.Exists(path),
                $"The real Keras files are expected in {path} (the shared folder beside the repository; they are not in the repository).");
            return path;
        }
    }

    /// <summary>Opens the HDF5 part of a Keras file with PureHDF (an independent reader), for cross-checks.</summary>
    public static NativeFile OpenWithPureHdf(byte[] file)
    {
        byte[] h5 = file;
        if (file.Length > 4 && file[0] == (byte)'P' && file[1] == (byte)'K')
        {
            using var zip = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
            using Stream s = zip.GetEntry("model.weights.h5")!.Open();
            using var m = new MemoryStream();
            s.CopyTo(m);
            h5 = m.ToArray();
        }
        return H5File.Open(new MemoryStream(h5), leaveOpen: false);
    }

    /// <summary>Checks every weight of a read file against PureHDF's reading of the same dataset, bit for bit.</summary>
    public static void CrossCheckWithPureHdf(byte[] file, KerasFile read)
    {
        using NativeFile h5 = OpenWithPureHdf(file);
        var weights = read.Layers.SelectMany(l => l.Weights).Concat(read.WeightGroups.SelectMany(g => g.Weights)).ToList();
        Assert.NotEmpty(weights);
        foreach (KerasWeight w in weights)
        {
            IH5Dataset ds = h5.Dataset(w.Path);
            Assert.Equal(w.Shape.Select(d => (ulong)d).ToArray(), ds.Space.Dimensions);
            float[] expected;
            try
            {
                expected = w.FileDType == "float64" ? ds.Read<double[]>().Select(d => (float)d).ToArray() : ds.Read<float[]>();
            }
            catch (Exception ex) when (ex.Message.StartsWith("Byte order conversion is not", StringComparison.Ordinal))
            {
                continue; // PureHDF 2.2 cannot read big-endian data (the fixture's recorded values check that one)
            }
            Assert.Equal(expected.Length, w.Values.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(w.Values[i]),
                    $"{w.Path}[{i}]: PureHDF reads {expected[i]:R}, LstmGen {w.Values[i]:R}");
            }
        }
    }
}
