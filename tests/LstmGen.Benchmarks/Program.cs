using System.Linq;
using BenchmarkDotNet.Running;

namespace LstmGen.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project tests/LstmGen.Benchmarks -- compare [--quick] [--no-peer] [--no-onnx] [--torchsharp] [--only W1,W3]</c>: LstmGen
/// beside ONNX Runtime and PyTorch in one run (and TorchSharp with --torchsharp: tests/LstmGen.TorchSharpPeer/run.sh). <c>-- scaling [--quick]</c>: the 1-16 worker model of W1, W4 and W5 (Scaling.cs). <c>-- panels [--quick]</c>: the recurrent
/// products with the kernel packed per step and packed once (Panels.cs). <c>-- cells [--quick]</c>: the per-step pieces of a training step (Cells.cs). Any other arguments go to BenchmarkDotNet's switcher (e.g. <c>--filter *</c>).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.FirstOrDefault() == "compare")
        {
            return Compare.Run(args.Skip(1).ToArray());
        }
        if (args.FirstOrDefault() == "scaling")
        {
            return Scaling.Run(args.Skip(1).ToArray());
        }
        if (args.FirstOrDefault() == "panels")
        {
            return Panels.Run(args.Skip(1).ToArray());
        }
        if (args.FirstOrDefault() == "cells")
        {
            return Cells.Run(args.Skip(1).ToArray());
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
