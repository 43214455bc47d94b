using System;

namespace LstmGen.Tests;

/// <summary>Measures what a call allocates on the calling thread.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes allocated on this thread by <paramref name="repeats"/> calls of <paramref name="action"/>, after two warm-up
    /// calls: the least of three rounds. With the whole suite running in parallel, one round in about 25 full runs
    /// reported 5008 bytes that no round reproduces alone (the counter is per thread, but other tests' threads
    /// allocate heavily and collect meanwhile); an allocation in <paramref name="action"/> itself shows in every round.
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
}
