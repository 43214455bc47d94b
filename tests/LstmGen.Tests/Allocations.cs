using System;
using Xunit;

namespace LstmGen.Tests;

/// <summary>Measures what a call allocates: on the calling thread, or on every thread of the process.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes allocated on this thread by <paramref name="repeats"/> calls of <paramref name="action"/>, after two warm-up
    /// calls: the least of three rounds. With the whole suite running in parallel, one round in about 25 full runs
    /// reported 5008 bytes that no round reproduces alone (the counter is per thread, but other tests' threads
    /// allocate heavily and collect meanwhile); an allocation in <paramref name="action"/> itself shows in every round.
    /// Work that <paramref name="action"/> hands to other threads is not counted: see <see cref="DuringOnAllThreads"/>.
    /// </summary>
    public static long During(Action action, int repeats = 50)
    {
        action(); // warm up: first calls may JIT or allocate lazily created buffers
        action();
        long least = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < repeats; i++) action();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    /// <summary>
    /// Bytes allocated by every thread of the process (<see cref="GC.GetTotalAllocatedBytes"/>, precise) during
    /// <paramref name="repeats"/> calls of <paramref name="action"/>, after two warm-up calls: the least of
    /// <paramref name="rounds"/> short rounds. Counts the worker threads of <see cref="ParallelPredictor{TInput}"/>,
    /// <see cref="ProductSplitter"/> and Fit. The test host allocates too, about 168 bytes every few tens of
    /// milliseconds on its own threads (measured with a plain single-threaded PredictBatch): rounds of a few milliseconds
    /// miss it most of the time, and an allocation in <paramref name="action"/> shows in every round. Only meaningful in a
    /// test class of <see cref="AllocationCollection"/>, which runs alone: other tests would allocate meanwhile.
    /// </summary>
    public static long DuringOnAllThreads(Action action, int repeats = 3, int rounds = 20)
    {
        action();
        action();
        long least = long.MaxValue;
        for (int round = 0; round < rounds && least > 0; round++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < repeats; i++) action();
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
        }
        return least;
    }
}

/// <summary>Test classes that count the allocations of every thread: xunit runs this collection alone, after the others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocations on every thread";
}
