namespace RtcScamp.Tests;

/// <summary>
/// Measures managed allocation of steady-state work on the calling thread. The runtime may allocate once while
/// a long loop is being measured (tiered JIT promotion and on-stack replacement of the loop itself), which is
/// not the code under test; such one-time costs do not recur, so the work is measured up to
/// "attempts" times and the smallest figure is returned. Allocation by the code under test
/// recurs on every attempt and still shows.
/// </summary>
internal static class AllocationProbe
{
    public static long MinAllocatedBytes(Action work, int attempts = 3)
    {
        long min = long.MaxValue;
        for (int i = 0; i < attempts && min != 0; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            work();
            min = Math.Min(min, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return min;
    }
}
