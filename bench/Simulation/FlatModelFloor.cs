using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using RtcScamp.Engine.Randomness;

namespace RtcScamp.Bench.Simulation;

/// <summary>
/// What a SCAMP build costs per event on this machine with the least work a simulator could do: NOT the simulator
/// (which must drive the real <c>ScampNode</c>), but a bare model of the whole build with every node's state at an
/// address computed from its index (<see cref="FlatBuildModel"/>). docs/simulator.md uses its figures to bound what
/// any redesign of the engine's data layout could reach. Run:
/// <c>dotnet run -c Release --project bench -- floor N [C] [prefetch|twostage|noprefetch] [REPEATS] [SEED]</c> (C 1,
/// prefetch, one build, seed 0 unless given); with repeats the best build is reported (in cache at small N).
/// </summary>
internal static class FlatModelFloor
{
    public static void Run(string[] args)
    {
        int nodes = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        int c = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        Addressing addressing = args.Length <= 3 ? Addressing.Direct : args[3] switch
        {
            "prefetch" => Addressing.Direct,
            "twostage" => Addressing.TwoStage,
            "noprefetch" => Addressing.NoPrefetch,
            _ => throw new ArgumentException($"'{args[3]}': expected prefetch, twostage or noprefetch"),
        };
        int repeats = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1;
        ulong seed = args.Length > 5 ? ulong.Parse(args[5], CultureInfo.InvariantCulture) : 0;
        if (nodes is < 2 or > FlatBuildModel.MaxNodes || c is < 0 or > 10 || repeats is < 1 or > 10_000)
        {
            throw new ArgumentException($"floor N C [prefetch|twostage|noprefetch] REPEATS SEED: N in 2..{FlatBuildModel.MaxNodes}, C in 0..10, REPEATS in 1..10000");
        }

        TimeSpan best = TimeSpan.MaxValue;
        string summary = "";
        long events = 0;
        for (int r = 0; r < repeats; r++)
        {
            using var model = new FlatBuildModel(nodes, c, addressing, seed);
            var clock = Stopwatch.StartNew();
            model.Build(repeats == 1 ? Console.Error : null);
            clock.Stop();
            if (clock.Elapsed < best)
            {
                best = clock.Elapsed;
            }

            summary = model.Summary();
            events = model.Events;
        }

        Console.WriteLine(FormattableString.Invariant(
            $"flat build model, n = {nodes}, c = {c}, {addressing switch { Addressing.Direct => "prefetched at scheduling", Addressing.TwoStage => "through a slot, prefetched in two stages", _ => "not prefetched" }}, seed {seed}, best of {repeats}: {best.TotalSeconds:F2} s = {best.TotalMilliseconds * 1e6 / events:F1} ns/event; {summary}"));
    }
}

/// <summary>How the model finds and prefetches a node's state.</summary>
internal enum Addressing
{
    /// <summary>At an address computed from the index, prefetched when a message to the node is scheduled.</summary>
    Direct,

    /// <summary>
    /// As the engine-driven simulator does: through a 40-byte per-node slot holding the record's and keys' addresses. The
    /// slot is prefetched when a message is scheduled, the record and keys at the next scheduling (when the slot has
    /// arrived), or at once when the receiver is popped first.
    /// </summary>
    TwoStage,

    /// <summary>At computed addresses, never prefetched.</summary>
    NoPrefetch,
}

/// <summary>
/// SCAMP's build as the simulator runs it (walk budget 1, joins 10 s apart through a uniformly random node, latency
/// 5–50 ms fixed per link), reduced to its data: per node a 192-byte record (generator, flag masks, counts, the
/// four-entry seen-count guard) and a block of <see cref="Capacity"/> 32-bit peer keys, both at addresses computed from
/// the node's index, so an event's data can be prefetched when it is scheduled, with no slot or object to read first.
/// Events are the simulator's kinds: a walk step (budget −1/deg, then the contact's fan-out to its PartialView and c
/// more), a forwarded copy (seen-count guard; kept with probability 1/(1+|PartialView|) unless the node holds the
/// subscriber), a connect, and an Accept; every message looks its sender up among the receiver's keys (the link check).
/// What it leaves out of the engine: 16-byte ids, counters, options, leaving/lease states, message pools.
/// <see cref="Addressing.TwoStage"/> puts the engine-driven simulator's indirection back (a slot per node, then the
/// node's state), to measure what that indirection alone costs.
/// </summary>
internal sealed unsafe class FlatBuildModel : IDisposable
{
    public const int MaxNodes = 10_000_000;

    /// <summary>Peers a node tracks (PartialView ∪ InView ∪ connected); more are refused, as the engine's MaxPeers.</summary>
    private const int Capacity = 128;
    private const int SeenLimit = 50;
    private const long SeenWindow = 60_000;
    private const int WheelSlots = 1024; // one per ms; every latency is below

    private readonly int _nodes;
    private readonly int _c;
    private readonly Addressing _addressing;
    private readonly ulong _seed;
    private readonly NodeRecord* _records;
    private readonly int* _keys;
    private readonly Slot* _slots; // TwoStage only
    private readonly Event[][] _wheel = new Event[WheelSlots][];
    private readonly int[] _head = new int[WheelSlots];
    private readonly int[] _tail = new int[WheelSlots];
    private readonly ulong[] _occupied = new ulong[WheelSlots / 64];
    private Xoshiro256StarStar _contacts;
    private int _pending;
    private long _now;
    private long _events;
    private long _walkSteps;
    private long _copies;
    private long _connects;
    private long _accepts;
    private long _lostToGuard;
    private long _refused;
    private long _lostNoLink;
    private int _secondStage = -1; // TwoStage: the receiver whose slot was prefetched last

    public FlatBuildModel(int nodes, int c, Addressing addressing, ulong seed)
    {
        _nodes = nodes;
        _c = c;
        _addressing = addressing;
        _seed = seed;
        _records = (NodeRecord*)AllocateZeroed((nuint)nodes * (nuint)sizeof(NodeRecord));
        _keys = (int*)AllocateZeroed((nuint)nodes * Capacity * sizeof(int));
        if (addressing == Addressing.TwoStage)
        {
            _slots = (Slot*)AllocateZeroed((nuint)nodes * (nuint)sizeof(Slot));
            for (int i = 0; i < nodes; i++)
            {
                _slots[i].Record = _records + i;
                _slots[i].Keys = _keys + ((long)i * Capacity);
            }
        }

        _contacts = new Xoshiro256StarStar(0x5CA3 ^ (seed * 0x9E3779B97F4A7C15UL));
        for (int i = 0; i < WheelSlots; i++)
        {
            _wheel[i] = new Event[16];
        }
    }

    private enum Kind : byte
    {
        Walk,
        Copy,
        Connect,
        AcceptOut, // the sender made the arc sender→receiver: the receiver adds it to its InView
        AcceptIn, // the receiver's arc receiver→sender is made: the receiver adds it to its PartialView
    }

    public long Events => _events;

    public void Build(TextWriter? progress)
    {
        InitNode(0);
        for (int i = 1; i < _nodes; i++)
        {
            _now += 10_000;
            InitNode(i);
            int contact = Below(ref _contacts, i);
            Connect(i, contact);
            Send(i, contact, Kind.Walk, i, 1f);
            while (Pop(out Event e))
            {
                Handle(e);
            }

            if (progress is not null && _nodes >= 100_000 && i % (_nodes / 10) == 0)
            {
                progress.WriteLine(FormattableString.Invariant($"flat build model: {i * 100L / _nodes} % ({_events:N0} events)"));
            }
        }
    }

    public string Summary()
    {
        long pv = 0, iv = 0;
        int most = 0;
        for (int i = 0; i < _nodes; i++)
        {
            pv += RecordOf(i)->PvCount;
            iv += RecordOf(i)->IvCount;
            most = Math.Max(most, RecordOf(i)->Count);
        }

        double harmonic = 0;
        for (int i = 1; i <= _nodes; i++)
        {
            harmonic += 1.0 / i;
        }

        return FormattableString.Invariant(
            $"events {_events} (walk steps {_walkSteps}, copies {_copies}, connects {_connects}, accepts {_accepts}); mean PartialView {pv / (double)_nodes:F2} (harmonic {(_c + 1) * (harmonic - 1):F2}), InView {iv / (double)_nodes:F2}, largest table {most}, copies lost to the guard {_lostToGuard}, peers refused {_refused}, messages lost to refused links {_lostNoLink}");
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_records);
        NativeMemory.AlignedFree(_keys);
        NativeMemory.AlignedFree(_slots);
    }

    private static void* AllocateZeroed(nuint bytes)
    {
        const nuint HugePage = 2u << 20;
        nuint size = (bytes + HugePage - 1) & ~(HugePage - 1);
        void* p = NativeMemory.AlignedAlloc(size, HugePage);
        if (OperatingSystem.IsLinux())
        {
            _ = Madvise((nint)p, size, 14); // MADV_HUGEPAGE before the first touch, as the CLI's heap gets 2 MiB pages
        }

        NativeMemory.Clear(p, size);
        return p;
    }

    [DllImport("libc", EntryPoint = "madvise")]
#pragma warning disable SYSLIB1054, CA5392 // a benchmark's one hint; no marshalling
    private static extern int Madvise(nint address, nuint length, int advice);
#pragma warning restore SYSLIB1054, CA5392

    private void InitNode(int i)
    {
        ulong seed = ((ulong)i * 0x9E3779B97F4A7C15UL) ^ 0xD1B54A32D192ED03UL ^ (_seed * 0xBF58476D1CE4E5B9UL);
        RecordOf(i)->Random = new Xoshiro256StarStar(seed);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>) by multiply-high, keeping its bias of at most bound/2⁶⁴, which
    /// the engine's <c>NextInt</c> rejects away (not worth the work in a model).</summary>
    private static int Below(ref Xoshiro256StarStar random, int bound) => (int)Math.BigMul(random.NextUInt64(), (ulong)bound, out _);

    private NodeRecord* RecordOf(int node) => _slots is null ? _records + node : _slots[node].Record;

    private int* KeysOf(int node) => _slots is null ? _keys + ((long)node * Capacity) : _slots[node].Keys;

    private int Find(int node, int key)
    {
        int* keys = KeysOf(node);
        int count = RecordOf(node)->Count;
        Vector256<int> wanted = Vector256.Create(key);
        for (int i = 0; i < count; i += 8)
        {
            uint match = Vector256.Equals(Vector256.Load(keys + i), wanted).ExtractMostSignificantBits();
            if (match != 0)
            {
                int at = i + BitOperations.TrailingZeroCount(match);
                return at < count ? at : -1;
            }
        }

        return -1;
    }

    private int AddPeer(int node, int key)
    {
        ref NodeRecord r = ref *RecordOf(node);
        if (r.Count == Capacity)
        {
            _refused++;
            return -1;
        }

        KeysOf(node)[r.Count] = key;
        return r.Count++;
    }

    /// <summary>The link a–b is up at both ends (a join's first link, or a connect arriving).</summary>
    private void Connect(int a, int b)
    {
        int at = Find(a, b);
        at = at >= 0 ? at : AddPeer(a, b);
        if (at >= 0)
        {
            RecordOf(a)->Connected.Set(at);
        }

        int bt = Find(b, a);
        bt = bt >= 0 ? bt : AddPeer(b, a);
        if (bt >= 0)
        {
            RecordOf(b)->Connected.Set(bt);
        }
    }

    /// <summary>Marks slot <paramref name="slot"/> of <paramref name="node"/> as a PartialView or InView arc peer.</summary>
    private void AddArc(int node, int slot, bool partialView)
    {
        ref NodeRecord r = ref *RecordOf(node);
        r.ArcPeers += r.PartialView.Has(slot) || r.InView.Has(slot) ? 0 : 1;
        if (partialView)
        {
            r.PartialView.Set(slot);
            r.PvCount++;
        }
        else
        {
            r.InView.Set(slot);
            r.IvCount++;
        }
    }

    /// <summary>
    /// The arc <paramref name="x"/>→<paramref name="peer"/> (<paramref name="outgoing"/>: a kept copy) or
    /// <paramref name="peer"/>→<paramref name="x"/> (a joining node's arc to its contact): now if connected, else once the
    /// connect arrives.
    /// </summary>
    private void MakeArc(int x, int peer, bool outgoing)
    {
        ref NodeRecord r = ref *RecordOf(x);
        ref Mask pending = ref outgoing ? ref r.PendingOut : ref r.PendingIn;
        int slot = Find(x, peer);
        if (slot < 0)
        {
            slot = AddPeer(x, peer);
            if (slot >= 0)
            {
                pending.Set(slot);
                Send(x, peer, Kind.Connect, 0, 0);
            }
        }
        else if (r.Connected.Has(slot))
        {
            if (!(outgoing ? r.PartialView : r.InView).Has(slot))
            {
                AddArc(x, slot, partialView: outgoing);
            }

            Send(x, peer, outgoing ? Kind.AcceptOut : Kind.AcceptIn, 0, 0);
        }
        else
        {
            pending.Set(slot);
        }
    }

    private void BecomeContact(int x, int s)
    {
        ref NodeRecord r = ref *RecordOf(x);
        int* keys = KeysOf(x);
        for (int w = 0; w < Mask.Words; w++)
        {
            for (ulong m = r.PartialView[w]; m != 0; m &= m - 1)
            {
                Send(x, keys[(w * 64) + BitOperations.TrailingZeroCount(m)], Kind.Copy, s, 0);
            }
        }

        if (r.PvCount > 0)
        {
            for (int i = 0; i < _c; i++)
            {
                Send(x, keys[r.PartialView.Nth(Below(ref r.Random, r.PvCount))], Kind.Copy, s, 0);
            }
        }
        else
        {
            MakeArc(x, s, outgoing: true);
        }

        MakeArc(x, s, outgoing: false);
    }

    private int CountSeen(ref NodeRecord r, int subscriber)
    {
        int victim = 0;
        long oldest = long.MaxValue;
        for (int i = 0; i < NodeRecord.SeenEntries; i++)
        {
            if (r.SeenCount[i] > 0 && r.SeenSubscriber[i] == subscriber)
            {
                if (_now - r.SeenAt[i] > SeenWindow)
                {
                    r.SeenCount[i] = 0;
                }

                r.SeenAt[i] = _now;
                return ++r.SeenCount[i];
            }

            long age = r.SeenCount[i] == 0 ? long.MinValue : r.SeenAt[i];
            if (age < oldest)
            {
                oldest = age;
                victim = i;
            }
        }

        r.SeenSubscriber[victim] = subscriber;
        r.SeenCount[victim] = 1;
        r.SeenAt[victim] = _now;
        return 1;
    }

    private void Handle(in Event e)
    {
        _events++;
        int x = e.To;
        if (x == _secondStage && Sse.IsSupported)
        {
            PrefetchState(x); // popped before a later scheduling gave it its second stage (a walk step: alone in flight)
            _secondStage = -1;
        }

        if (e.Kind == Kind.Connect)
        {
            _connects++;
            Connect(e.From, x);
            int initiator = e.From;
            ref NodeRecord f = ref *RecordOf(initiator);
            int slot = Find(initiator, x);
            if (slot >= 0 && Find(x, initiator) < 0)
            {
                f.Connected.Clear(slot); // the receiver's table was full: no link, no arc
                f.PendingOut.Clear(slot);
                f.PendingIn.Clear(slot);
                return;
            }

            if (slot >= 0 && f.PendingOut.Has(slot))
            {
                f.PendingOut.Clear(slot);
                AddArc(initiator, slot, partialView: true);
                Send(initiator, x, Kind.AcceptOut, 0, 0);
            }

            if (slot >= 0 && f.PendingIn.Has(slot))
            {
                f.PendingIn.Clear(slot);
                AddArc(initiator, slot, partialView: false);
                Send(initiator, x, Kind.AcceptIn, 0, 0);
            }

            return;
        }

        ref NodeRecord r = ref *RecordOf(x);
        int from = Find(x, e.From);
        if (from < 0 || !r.Connected.Has(from))
        {
            _lostNoLink++; // the receiver refused the link (a full table), as a simulator drops a message on a closed one
            return;
        }

        switch (e.Kind)
        {
            case Kind.Walk:
                Walk(x, ref r, e);
                break;
            case Kind.Copy:
                RouteCopy(x, ref r, e);
                break;
            case Kind.AcceptOut:
                _accepts++;
                if (!r.InView.Has(from))
                {
                    AddArc(x, from, partialView: false);
                }

                break;
            default:
                _accepts++;
                if (!r.PartialView.Has(from))
                {
                    AddArc(x, from, partialView: true);
                }

                break;
        }
    }

    private void Walk(int x, ref NodeRecord r, in Event e)
    {
        _walkSteps++;
        int s = e.Subscriber;
        int subscriberSlot = Find(x, s);
        bool arcPeer = subscriberSlot >= 0 && (r.PartialView.Has(subscriberSlot) || r.InView.Has(subscriberSlot));
        int degree = r.ArcPeers - (arcPeer ? 1 : 0);
        double budget = degree > 0 ? e.Budget - (1.0 / degree) : 0;
        if (budget <= 0)
        {
            if (r.PvCount > 0 || degree == 0 || e.Budget <= float.Epsilon)
            {
                BecomeContact(x, s);
                return;
            }

            budget = float.Epsilon;
        }

        Mask arcs = r.PartialView | r.InView;
        if (arcPeer)
        {
            arcs.Clear(subscriberSlot);
        }

        Send(x, KeysOf(x)[arcs.Nth(Below(ref r.Random, degree))], Kind.Walk, s, (float)budget);
    }

    private void RouteCopy(int x, ref NodeRecord r, in Event e)
    {
        _copies++;
        int s = e.Subscriber;
        if (CountSeen(ref r, s) > SeenLimit)
        {
            _lostToGuard++;
            return;
        }

        int subscriberSlot = Find(x, s);
        bool eligible = s != x && !(subscriberSlot >= 0 && (r.PartialView.Has(subscriberSlot) || r.PendingOut.Has(subscriberSlot)));
        if (eligible && Below(ref r.Random, r.PvCount + 1) == 0)
        {
            MakeArc(x, s, outgoing: true);
        }
        else if (r.PvCount > 0)
        {
            Send(x, KeysOf(x)[r.PartialView.Nth(Below(ref r.Random, r.PvCount))], Kind.Copy, s, 0);
        }
    }

    private long Latency(int a, int b)
    {
        ulong z = ((ulong)(uint)Math.Min(a, b) << 32) | (uint)Math.Max(a, b);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return 5 + (long)((z ^ (z >> 31)) % 46);
    }

    private void Send(int from, int to, Kind kind, int subscriber, float budget)
    {
        int slot = (int)((_now + Latency(from, to)) & (WheelSlots - 1));
        if (_tail[slot] == _wheel[slot].Length)
        {
            Array.Resize(ref _wheel[slot], _wheel[slot].Length * 2);
        }

        _wheel[slot][_tail[slot]++] = new Event { To = to, From = from, Subscriber = subscriber, Kind = kind, Budget = budget };
        _occupied[slot >> 6] |= 1UL << (slot & 63);
        _pending++;
        if (!Sse.IsSupported)
        {
            return;
        }

        if (_addressing == Addressing.Direct)
        {
            PrefetchState(to);
        }
        else if (_addressing == Addressing.TwoStage)
        {
            if (_secondStage >= 0)
            {
                PrefetchState(_secondStage); // its slot, prefetched at the previous scheduling, has had time to arrive
            }

            Sse.Prefetch0(_slots + to);
            _secondStage = to;
        }
    }

    /// <summary>The receiver's record (3 lines) and its first 64 keys (4 lines): what its handler will read.</summary>
    private void PrefetchState(int node)
    {
        byte* record = (byte*)RecordOf(node);
        Sse.Prefetch0(record);
        Sse.Prefetch0(record + 64);
        Sse.Prefetch0(record + 128);
        byte* keys = (byte*)KeysOf(node);
        Sse.Prefetch0(keys);
        Sse.Prefetch0(keys + 64);
        Sse.Prefetch0(keys + 128);
        Sse.Prefetch0(keys + 192);
    }

    private bool Pop(out Event e)
    {
        if (_pending == 0)
        {
            e = default;
            return false;
        }

        int slot = (int)(_now & (WheelSlots - 1));
        while (_head[slot] == _tail[slot])
        {
            int next = NextOccupied((slot + 1) & (WheelSlots - 1));
            _now += (next - slot) & (WheelSlots - 1);
            slot = next;
        }

        e = _wheel[slot][_head[slot]++];
        if (_head[slot] == _tail[slot])
        {
            _head[slot] = _tail[slot] = 0;
            _occupied[slot >> 6] &= ~(1UL << (slot & 63));
        }

        _pending--;
        return true;
    }

    private int NextOccupied(int from)
    {
        for (int i = 0; i <= _occupied.Length; i++)
        {
            int word = ((from >> 6) + i) % _occupied.Length;
            ulong bits = _occupied[word] & (i == 0 ? ~0UL << (from & 63) : ~0UL);
            if (bits != 0)
            {
                return (word << 6) + BitOperations.TrailingZeroCount(bits);
            }
        }

        throw new InvalidOperationException("no event pending");
    }

    /// <summary>The engine-driven simulator's per-node slot (40 bytes there too): where the node's state is.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private struct Slot
    {
        public NodeRecord* Record;
        public int* Keys;
    }

    private struct Event
    {
        public int To;
        public int From;
        public int Subscriber;
        public Kind Kind;
        public float Budget;
    }

    /// <summary>One flag per peer slot.</summary>
    private struct Mask
    {
        public const int Words = Capacity / 64;
        private ulong _low;
        private ulong _high;

        public readonly ulong this[int word] => word == 0 ? _low : _high;

        public static Mask operator |(Mask a, Mask b) => new() { _low = a._low | b._low, _high = a._high | b._high };

        public readonly bool Has(int slot) => ((slot < 64 ? _low >> slot : _high >> (slot - 64)) & 1) != 0;

        public void Set(int slot)
        {
            if (slot < 64)
            {
                _low |= 1UL << slot;
            }
            else
            {
                _high |= 1UL << (slot - 64);
            }
        }

        public void Clear(int slot)
        {
            if (slot < 64)
            {
                _low &= ~(1UL << slot);
            }
            else
            {
                _high &= ~(1UL << (slot - 64));
            }
        }

        /// <summary>The slot of the <paramref name="k"/>-th set flag (from 0).</summary>
        public readonly int Nth(int k)
        {
            int low = BitOperations.PopCount(_low);
            return k < low ? Select(_low, k) : 64 + Select(_high, k - low);
        }

        private static int Select(ulong bits, int k)
        {
            if (Bmi2.X64.IsSupported)
            {
                return BitOperations.TrailingZeroCount(Bmi2.X64.ParallelBitDeposit(1UL << k, bits));
            }

            for (int i = 0; i < k; i++)
            {
                bits &= bits - 1;
            }

            return BitOperations.TrailingZeroCount(bits);
        }
    }

    /// <summary>A node's state: 192 bytes, three cache lines (records are 2 MiB-aligned, so each starts a line).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 192)]
    private struct NodeRecord
    {
        public const int SeenEntries = 4;
        public Xoshiro256StarStar Random;
        public Mask PartialView;
        public Mask InView;
        public Mask Connected;
        public Mask PendingOut;
        public Mask PendingIn;
        public int Count;
        public int PvCount;
        public int IvCount;
        public int ArcPeers;
        public fixed int SeenSubscriber[SeenEntries];
        public fixed int SeenCount[SeenEntries];
        public fixed long SeenAt[SeenEntries];
    }
}
