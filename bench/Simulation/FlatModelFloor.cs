using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace RtcScamp.Bench.Simulation;

/// <summary>
/// What SCAMP's build costs per event on this machine with the least possible work: NOT the simulator (which must
/// drive the real <c>ScampNode</c>), but a bare model of its dominant event, a forwarded subscription copy, with every
/// node's state in flat arrays indexed by node. Joins 10 s apart through a uniformly random node; the contact sends a
/// copy to each PartialView member and c more to random ones; a node keeps a copy with probability 1/(1+|PartialView|)
/// unless it already holds the subscriber, else forwards it to a random PartialView member; latency 5–50 ms per link in
/// a 64-slot wheel of 1 ms. No walk, connections, Accepts or guards. docs/simulator.md uses its ns/event as the floor a
/// data-layout redesign of the engine could approach. Run: <c>dotnet run -c Release --project bench -- floor N [C] [noprefetch]</c>.
/// </summary>
internal static class FlatModelFloor
{
    private const int Capacity = 96; // PartialView entries per node (the mean at 10⁶, c = 1, is ~27)
    private const int Slots = 64;

    public static void Run(int nodes, int c, bool prefetch)
    {
        var views = new int[(long)nodes * Capacity];
        var counts = new int[nodes];
        var states = new ulong[nodes];
        for (int i = 0; i < nodes; i++)
        {
            states[i] = ((ulong)i * 0x9E3779B97F4A7C15UL) | 1;
        }

        var wheel = new List<(int To, int Subscriber)>[Slots];
        for (int i = 0; i < Slots; i++)
        {
            wheel[i] = new List<(int, int)>(1024);
        }

        ulong contacts = 12345;
        long now = 0, events = 0;
        int pending = 0;

        void Push(int to, int subscriber, int from)
        {
            if (prefetch)
            {
                Prefetch(views, counts, states, to);
            }

            int latency = 5 + (int)((uint)((uint)(to ^ from) * 0x9E3779B1u >> 16) % 46);
            wheel[(now + latency) & (Slots - 1)].Add((to, subscriber));
            pending++;
        }

        var clock = Stopwatch.StartNew();
        for (int s = 1; s < nodes; s++)
        {
            int contact = Below(ref contacts, s);
            views[((long)s * Capacity) + counts[s]++] = contact;
            int size = counts[contact];
            long at = (long)contact * Capacity;
            if (size == 0)
            {
                views[at + counts[contact]++] = s;
            }
            else
            {
                for (int k = 0; k < size; k++)
                {
                    Push(views[at + k], s, contact);
                }

                for (int k = 0; k < c; k++)
                {
                    Push(views[at + Below(ref states[contact], size)], s, contact);
                }
            }

            while (pending > 0)
            {
                List<(int To, int Subscriber)> due = wheel[now & (Slots - 1)];
                for (int e = 0; e < due.Count; e++)
                {
                    (int j, int subscriber) = due[e];
                    events++;
                    pending--;
                    long b = (long)j * Capacity;
                    int n = counts[j];
                    bool holds = j == subscriber;
                    for (int k = 0; k < n && !holds; k++)
                    {
                        holds = views[b + k] == subscriber;
                    }

                    if (!holds && n < Capacity && Below(ref states[j], n + 1) == 0)
                    {
                        views[b + n] = subscriber;
                        counts[j] = n + 1;
                    }
                    else if (n > 0)
                    {
                        Push(views[b + Below(ref states[j], n)], subscriber, j);
                    }
                }

                due.Clear();
                now++;
            }

            now += 10_000;
        }

        clock.Stop();
        double mean = 0;
        for (int i = 0; i < nodes; i++)
        {
            mean += counts[i];
        }

        Console.WriteLine(FormattableString.Invariant(
            $"flat model, n = {nodes}, c = {c}, prefetch {(prefetch ? "on" : "off")}: {events:N0} copy events in {clock.Elapsed.TotalSeconds:F2} s = {clock.Elapsed.TotalMilliseconds * 1e6 / events:F1} ns/event, mean PartialView {mean / nodes:F2}"));
    }

    private static int Below(ref ulong state, int bound)
    {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return (int)(((state >> 32) * (ulong)bound) >> 32);
    }

    private static unsafe void Prefetch(int[] views, int[] counts, ulong[] states, int node)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        byte* view = (byte*)Unsafe.AsPointer(ref views[(long)node * Capacity]);
        Sse.Prefetch0(view);
        Sse.Prefetch0(view + 64);
        Sse.Prefetch0(Unsafe.AsPointer(ref counts[node]));
        Sse.Prefetch0(Unsafe.AsPointer(ref states[node]));
    }
}
