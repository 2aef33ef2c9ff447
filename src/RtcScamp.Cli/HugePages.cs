using System.Globalization;
using System.Runtime.InteropServices;
using RtcScamp.Engine.Simulation;

namespace RtcScamp.Cli;

/// <summary>
/// Backs this process's anonymous memory (the GC heap) with 2 MiB pages on Linux ≥ 6.1, through
/// <c>madvise(MADV_COLLAPSE)</c>, which works whatever the system's transparent-huge-page mode (not when it is "never").
/// A 10⁶-node simulation reads ~4 random 4 KiB pages of a 2–3 GiB heap per event and spends much of its time walking
/// page tables; collapsing the heap as it grows cut its run by ~10 % (docs/simulator.md). Only stretches already
/// nearly all resident are collapsed (a collapse makes all 512 pages resident), so the resident set grows by at most
/// ~2 %. Only a hint: where it is not supported nothing happens.
/// </summary>
internal static partial class HugePages
{
    private const int MadvCollapse = 25;
    private const long Huge = 2 * 1024 * 1024;
    private const int SmallPage = 4096;
    private const int PagesPerHuge = (int)(Huge / SmallPage);
    private const int ResidentNeeded = PagesPerHuge - 10;
    private const int EInval = 22;
    private const int ENoSys = 38;
    private static bool s_unsupported = !OperatingSystem.IsLinux();

    /// <summary>
    /// Collapses every 2 MiB-aligned stretch of this process's private anonymous read-write mappings of which at least
    /// 502 of the 512 pages are resident; returns the bytes collapsed by this call (0 where unsupported).
    /// </summary>
    public static long Collapse()
    {
        if (s_unsupported)
        {
            return 0;
        }

        try
        {
            return CollapseResident();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            // No /proc (a restricted container) or no madvise to call: the hint is simply not given.
            s_unsupported = true;
            return 0;
        }
    }

    private static long CollapseResident()
    {
        long collapsed = 0;
        bool refused = false;
        byte[] entries = new byte[PagesPerHuge * sizeof(ulong)];
        using Microsoft.Win32.SafeHandles.SafeFileHandle pagemap = File.OpenHandle("/proc/self/pagemap");
        foreach (string line in File.ReadLines("/proc/self/maps"))
        {
            // "start-end perms offset dev inode [path]": anonymous mappings have no path.
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 5 || !fields[1].StartsWith("rw-p", StringComparison.Ordinal))
            {
                continue;
            }

            int dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            long start = long.Parse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            long end = long.Parse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            for (long chunk = (start + Huge - 1) & ~(Huge - 1); chunk + Huge <= end; chunk += Huge)
            {
                // /proc/self/pagemap: one 64-bit entry per page, bit 63 set if the page is present.
                if (RandomAccess.Read(pagemap, entries, chunk / SmallPage * sizeof(ulong)) != entries.Length
                    || Resident(entries) < ResidentNeeded)
                {
                    continue;
                }

                if (Madvise((nint)chunk, (nuint)Huge, MadvCollapse) == 0)
                {
                    collapsed += Huge;
                }
                else
                {
                    refused |= Marshal.GetLastPInvokeError() is EInval or ENoSys;
                }
            }
        }

        // A kernel without MADV_COLLAPSE, or with huge pages off, refuses every range: stop asking.
        s_unsupported = collapsed == 0 && refused;
        return collapsed;
    }

    private static int Resident(ReadOnlySpan<byte> entries)
    {
        ReadOnlySpan<ulong> pages = MemoryMarshal.Cast<byte, ulong>(entries);
        int present = 0;
        foreach (ulong page in pages)
        {
            present += (int)(page >> 63);
        }

        return present;
    }

    /// <summary>
    /// Wraps <paramref name="progress"/> so that the heap is collapsed at every 5 % of a build phase, and once as each
    /// later phase starts (the simulation compacts its heap after the build, moving the nodes to fresh pages).
    /// </summary>
    public static ScampSimulation.ProgressHandler During(ScampSimulation.ProgressHandler progress)
    {
        long lastStep = 0;
        string lastPhase = "";
        return (phase, done, total) =>
        {
            bool build = phase.Contains("build", StringComparison.Ordinal);
            if (phase != lastPhase)
            {
                lastPhase = phase;
                lastStep = 0;
                if (!build)
                {
                    Collapse();
                }
            }

            long step = total == 0 ? 0 : done * 20 / total;
            if (step > lastStep && build)
            {
                lastStep = step;
                Collapse();
            }

            progress(phase, done, total);
        };
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
