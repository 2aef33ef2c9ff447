// The SCAMP simulator (DESIGN.md roadmap step 3): builds an overlay of real ScampNodes over a SimNetwork by joins
// spaced JoinInterval apart in simulated time (each through a uniformly random existing node as first contact),
// measures PartialView/InView sizes against the paper's (c+1)·ln n and (c+1)(H_n − 1), crashes a fraction of the
// nodes without recovery and measures how many live nodes a broadcast from a random live origin reaches, beside
// gossip with full membership knowledge and the same mean fanout. Optionally runs a second overlay with
// heartbeats, leases, churn and a network partition and samples view sizes over time.
//
//   build (heartbeats off) ─> view stats ─> crash F·n silently ─> T broadcasts (SCAMP) + T model broadcasts
//   timeline (heartbeats on, leases, churn, partition) ─> samples every SampleInterval ─> reach from each side
using RtcScamp.Engine.Randomness;

namespace RtcScamp.Engine.Simulation;

/// <summary>Parameters of one <see cref="ScampSimulation"/> run (times in milliseconds).</summary>
public sealed record SimulationParameters
{
    /// <summary>Nodes in the overlay.</summary>
    public int Nodes { get; init; } = 10_000;

    /// <summary>SCAMP's c.</summary>
    public int C { get; init; } = 1;

    /// <summary>Seed of every random choice.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Fraction of nodes crashed before the broadcast trials.</summary>
    public double FailFraction { get; init; }

    /// <summary>Broadcast trials.</summary>
    public int Trials { get; init; } = 10;

    /// <summary>Simulated time between two joins.</summary>
    public long JoinInterval { get; init; } = 10_000;

    /// <summary>The indirection walk's budget (<see cref="ScampOptions.WalkBudget"/>).</summary>
    public double WalkBudget { get; init; } = ScampOptions.Default.WalkBudget;

    /// <summary>
    /// Every join goes through the node that joined just before it (a newcomer with a small view) instead of a
    /// uniformly random earlier node: a biased first contact, the case the indirection walk exists for.
    /// </summary>
    public bool NewestFirstContact { get; init; }

    /// <summary>Smallest per-link latency.</summary>
    public long MinLatency { get; init; } = 5;

    /// <summary>Largest per-link latency.</summary>
    public long MaxLatency { get; init; } = 50;

    /// <summary>Message loss probability during the broadcast trials (the overlay is built over reliable links).</summary>
    public double Loss { get; init; }

    /// <summary>Timeline: lease (0 = off). The timeline runs when <see cref="TimelineDuration"/> &gt; 0.</summary>
    public long Lease { get; init; }

    /// <summary>Timeline: graceful leaves per simulated second, each followed by a fresh join (0 = no churn).</summary>
    public double Churn { get; init; }

    /// <summary>Timeline: how long to run after the build (0 = no timeline).</summary>
    public long TimelineDuration { get; init; }

    /// <summary>Timeline: heartbeat period.</summary>
    public long TimelineHeartbeat { get; init; } = 5000;

    /// <summary>Timeline: time between two samples.</summary>
    public long SampleInterval { get; init; } = 10_000;

    /// <summary>
    /// Timeline: the fraction of live members cut off from the rest by a network partition (0 = none), from
    /// <see cref="PartitionStart"/> for <see cref="PartitionLength"/> (see <see cref="SimNetwork.Partition"/>).
    /// </summary>
    public double PartitionFraction { get; init; }

    /// <summary>Timeline: when the partition begins, after the timeline's start.</summary>
    public long PartitionStart { get; init; }

    /// <summary>Timeline: how long the partition lasts; it must heal within <see cref="TimelineDuration"/>.</summary>
    public long PartitionLength { get; init; }

    /// <summary>The largest time parameter (ms, ~3 million years), so that sums of them cannot overflow.</summary>
    public const long MaxTime = long.MaxValue / 64;

    /// <summary>
    /// The shortest lease a timeline accepts: 10 s, and 200 times the largest latency (a resubscription's walk and copies
    /// take on the order of 2·(c+1)·ln n hops, and a lease shorter than that makes nodes resubscribe faster than their
    /// subscriptions settle: the event count explodes and the views mean nothing).
    /// </summary>
    public long MinimumLease => Math.Max(10_000, 200 * MaxLatency);

    /// <summary>Throws if a parameter is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Nodes, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Nodes, 20_000_000);
        ArgumentOutOfRangeException.ThrowIfNegative(C);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(C, 100);
        if (!(FailFraction >= 0 && FailFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FailFraction), "fail fraction must be in [0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Trials);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Trials, 100_000);
        ArgumentOutOfRangeException.ThrowIfLessThan(JoinInterval, 0);
        if (!(WalkBudget > 0 && WalkBudget <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(WalkBudget), "walk budget must be in (0, 1000]");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinLatency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLatency, MinLatency);
        if (!(Loss >= 0 && Loss < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Loss), "loss must be in [0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(Lease);
        if (!(Churn >= 0 && Churn <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(Churn), "churn must be in [0, 1000] per second");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(TimelineDuration);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(TimelineDuration, MaxTime);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxLatency, 1_000_000);
        ArgumentOutOfRangeException.ThrowIfLessThan(TimelineHeartbeat, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(SampleInterval, 1);
        if ((Lease > 0 || Churn > 0) && TimelineDuration == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TimelineDuration), "a lease or churn needs a timeline (TimelineDuration > 0)");
        }

        if (TimelineDuration > 0)
        {
            if (Lease > 0 && Lease < MinimumLease)
            {
                throw new ArgumentOutOfRangeException(nameof(Lease), $"a lease must be 0 or at least MinimumLease ({MinimumLease} ms)");
            }

            if (TimelineHeartbeat < MaxLatency)
            {
                throw new ArgumentOutOfRangeException(nameof(TimelineHeartbeat), "the heartbeat period must be at least MaxLatency (the liveness timeout, a few periods, must hold a round trip with room to spare)");
            }
        }

        if (!(PartitionFraction >= 0 && PartitionFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(PartitionFraction), "partition fraction must be in [0, 1)");
        }

        if (PartitionFraction > 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(PartitionStart);
            ArgumentOutOfRangeException.ThrowIfLessThan(PartitionLength, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(PartitionStart, MaxTime);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(PartitionLength, MaxTime);
            if (PartitionStart > TimelineDuration - PartitionLength)
            {
                throw new ArgumentOutOfRangeException(nameof(PartitionLength), "the partition must heal within the timeline's duration");
            }
        }
    }
}

/// <summary>Mean, standard deviation, min and max of a view size over live nodes, with its histogram.</summary>
/// <param name="Mean">Mean.</param>
/// <param name="StandardDeviation">Population standard deviation.</param>
/// <param name="Min">Smallest.</param>
/// <param name="Max">Largest.</param>
/// <param name="Histogram">Histogram[k] = number of live nodes whose view has k entries.</param>
public sealed record ViewStatistics(double Mean, double StandardDeviation, int Min, int Max, long[] Histogram);

/// <summary>One sample of the timeline.</summary>
/// <param name="Time">Simulated time since the build ended.</param>
/// <param name="Live">Live member nodes.</param>
/// <param name="MeanPartialView">Mean PartialView size.</param>
/// <param name="MeanInView">Mean InView size.</param>
/// <param name="EmptyInViews">Live members with an empty InView.</param>
/// <param name="LeaseResubscriptions">Lease resubscriptions so far, all nodes (left ones included).</param>
/// <param name="IsolationResubscriptions">Isolation resubscriptions so far, all nodes.</param>
/// <param name="CrossArcs">PartialView arcs between live members on different sides of the partition (0 before it and without one).</param>
public sealed record TimelineSample(long Time, int Live, double MeanPartialView, double MeanInView, int EmptyInViews, long LeaseResubscriptions, long IsolationResubscriptions, long CrossArcs = 0);

/// <summary>What a timeline's partition did.</summary>
/// <param name="Cut">Live members put on the cut-off side.</param>
/// <param name="CrossArcsBefore">PartialView arcs between the two sides when the partition began.</param>
/// <param name="Lost">Messages, connection attempts and closes the partition kept from crossing.</param>
/// <param name="ReachedFromCut">At the timeline's end: the fraction of the other live members that a broadcast from a random live member of the cut-off side reached.</param>
/// <param name="ReachedFromRest">The same from a random live member of the other side.</param>
public sealed record PartitionOutcome(int Cut, long CrossArcsBefore, long Lost, double ReachedFromCut, double ReachedFromRest);

/// <summary>Everything a run measured (all deterministic for a seed).</summary>
public sealed record SimulationResult
{
    /// <summary>The parameters.</summary>
    public required SimulationParameters Parameters { get; init; }

    /// <summary>PartialView sizes after the build.</summary>
    public required ViewStatistics PartialView { get; init; }

    /// <summary>InView sizes after the build.</summary>
    public required ViewStatistics InView { get; init; }

    /// <summary>(c+1)·ln n.</summary>
    public double TheoryLn { get; init; }

    /// <summary>(c+1)(H_n − 1).</summary>
    public double TheoryHarmonic { get; init; }

    /// <summary>Subscription copies destroyed by the anti-loop guards (hop limit + seen count).</summary>
    public long LostSubscriptions { get; init; }

    /// <summary>Copies destroyed because a node had no PartialView to pass them to.</summary>
    public long LostNoView { get; init; }

    /// <summary>Subscriptions kept (arcs made by forwarded copies).</summary>
    public long SubscriptionsKept { get; init; }

    /// <summary>Subscribe walk steps handled during the build (all nodes).</summary>
    public long WalkSteps { get; init; }

    /// <summary>Forwarded-subscription copies passed on during the build (all nodes).</summary>
    public long CopiesForwarded { get; init; }

    /// <summary>
    /// Mean |PartialView(contact)| when chosen over the mean |PartialView| at that moment, summed over the build's
    /// joins (<see cref="SimNetwork.ContactPartialViewSum"/>): 1 for uniform contacts, above 1 when the walk favours
    /// well-connected nodes.
    /// </summary>
    public double ContactViewRatio { get; init; }

    /// <summary>
    /// Σ_k (contacts served by node k − E_k)² / E_k over (n − 1), with E_k = Σ_{m&gt;k} 1/m the expectation when every
    /// join's contact is uniform over the nodes already there: about 1 for uniform contacts, larger for biased ones.
    /// </summary>
    public double ContactDispersion { get; init; }

    /// <summary>True if every node reaches every other along PartialView arcs after the build.</summary>
    public bool StronglyConnected { get; init; }

    /// <summary>Simulated time the build took.</summary>
    public long BuildSimulatedTime { get; init; }

    /// <summary>Events processed by the build.</summary>
    public long BuildEvents { get; init; }

    /// <summary>Events processed in total (build, trials, timeline).</summary>
    public long Events { get; init; }

    /// <summary>Largest event-queue length during the build.</summary>
    public int PeakPendingEvents { get; init; }

    /// <summary>Nodes crashed before the trials.</summary>
    public int Crashed { get; init; }

    /// <summary>Live nodes all of whose InView members crashed: no broadcast can reach them without recovery.</summary>
    public int CutOff { get; init; }

    /// <summary>SCAMP broadcast: mean fraction of live nodes (origin excluded) reached; NaN with no trials.</summary>
    public double MeanReached { get; init; }

    /// <summary>SCAMP broadcast: fraction of trials reaching every live node; NaN with no trials.</summary>
    public double Atomic { get; init; }

    /// <summary>Full-membership gossip with the same mean fanout: mean fraction reached; NaN with no trials.</summary>
    public double GossipMeanReached { get; init; }

    /// <summary>Full-membership gossip: fraction of trials reaching every live node; NaN with no trials.</summary>
    public double GossipAtomic { get; init; }

    /// <summary>The fanout used by the gossip model (mean PartialView before the crash).</summary>
    public double GossipFanout { get; init; }

    /// <summary>Timeline samples (empty when no timeline ran).</summary>
    public IReadOnlyList<TimelineSample> Timeline { get; init; } = [];

    /// <summary>The timeline's partition, or null without one.</summary>
    public PartitionOutcome? Partition { get; init; }
}

/// <summary>Runs the SCAMP simulator; see the file comment. Deterministic: same parameters, same result.</summary>
public static class ScampSimulation
{
    /// <summary>Progress: phase name, done, total.</summary>
    public delegate void ProgressHandler(string phase, long done, long total);

    /// <summary>Node options for the build: no timers, no routes, no view-change outputs, no Hello, a small dedup ring.</summary>
    public static ScampOptions BuildOptions(int c, int trials) => new()
    {
        C = c,
        HeartbeatPeriod = 0,
        Lease = 0,
        RecordRoutes = false,
        SendHello = false,
        ReportViewChanges = false,
        DedupCapacity = Math.Max(16, trials + 8),
    };

    /// <summary>(c+1)(H_n − 1), the mean PartialView after n sequential joins.</summary>
    public static double Harmonic(int n, int c)
    {
        double h = 0;
        for (int k = n; k >= 1; k--)
        {
            h += 1.0 / k;
        }

        return (c + 1) * (h - 1);
    }

    /// <summary>
    /// A run's peak memory in bytes, estimated from measured runs (docs/results.md): ~1.2 KB per node, 40 bytes per
    /// expected peer-table entry (<see cref="ExpectedPeers"/>), 64 MiB for the runtime. It errs high: at 10⁶ nodes
    /// c = 0, 1, 2 peaked at 1.98, 2.74 and 3.8 GiB against 2.19, 3.19 and 4.20 estimated; 10⁵, c = 1: 0.29 against 0.34.
    /// </summary>
    public static long EstimatePeakBytes(int nodes, int c) => (64L << 20) + ((long)nodes * (1200 + (40L * ExpectedPeers(nodes, c))));

    /// <summary>
    /// The expected |PartialView ∪ InView| after the build, 2(c+1)(H_n − 1) (the two views are nearly disjoint): the
    /// initial capacity of peer tables and link lists, so that few of them are regrown.
    /// </summary>
    public static int ExpectedPeers(int n, int c) => (int)Math.Ceiling(2 * Harmonic(n, c));

    /// <summary>
    /// The peer-table capacity nodes start with: three quarters of <see cref="ExpectedPeers"/>. Degrees spread around
    /// the mean (sd ≈ 11 at 10⁶, c = 1), so a table sized for the mean leaves the lower half of the nodes with unused
    /// entries; starting smaller and growing by a block costs a few copies (garbage the build's compactions remove)
    /// and left ~6 % less live data (10⁶: 2 320 → 2 189 MiB with block growth).
    /// </summary>
    public static int InitialPeers(int n, int c) => (int)Math.Ceiling(0.75 * ExpectedPeers(n, c));

    /// <summary>
    /// From this many nodes, <see cref="Build(SimNetwork, int, long, ref Xoshiro256StarStar, ProgressHandler?, string, bool)"/>
    /// compacts the heap at every tenth of the joins: peer tables that grew leave their old arrays in the oldest
    /// generation, which a full collection only sweeps, and at 10⁶ nodes that free space was ~500 MiB of the peak by
    /// the build's end. The nine compactions measured no time cost there (3 min 18 s → 3 min 11 s, the denser heap offsetting
    /// them); below this size the heap is small and they would only cost time.
    /// </summary>
    public const int CompactFrom = 200_000;

    /// <summary>Runs every phase the parameters ask for.</summary>
    public static SimulationResult Run(SimulationParameters parameters, ProgressHandler? progress = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        var random = new Xoshiro256StarStar(parameters.Seed ^ 0x51A7_2003UL);
        var conditions = new SimNetworkOptions { MinLatency = parameters.MinLatency, MaxLatency = parameters.MaxLatency };
        ScampOptions options = BuildOptions(parameters.C, parameters.Trials) with
        {
            WalkBudget = parameters.WalkBudget,
            InitialPeerCapacity = InitialPeers(parameters.Nodes, parameters.C),
        };
        var network = new SimNetwork(options, parameters.Seed, conditions) { TraceOutputs = false };
        Build(network, parameters.Nodes, parameters.JoinInterval, ref random, progress, "build", parameters.NewestFirstContact);
        long buildTime = network.Now;
        long buildEvents = network.EventsProcessed;
        int peakPending = network.PendingEventsHighWater;

        ViewStatistics pv = Statistics(network, partial: true);
        ViewStatistics iv = Statistics(network, partial: false);
        long lost = 0, lostNoView = 0, kept = 0, walkSteps = 0, forwarded = 0;
        double dispersion = 0;
        double expected = 0;
        for (int i = network.Count - 1; i >= 0; i--)
        {
            ref readonly NodeCounters counters = ref network[i].Counters;
            lost += counters.CopiesLostHopLimit + counters.CopiesLostSeenLimit;
            lostNoView += counters.CopiesLostNoView;
            kept += counters.SubscriptionsKept;
            walkSteps += counters.WalkSteps;
            forwarded += counters.SubscriptionsForwarded;
            if (i + 1 < network.Count)
            {
                // Node i can be the contact of joins i+1 .. n−1, each uniform over the i+1.. nodes then present.
                expected += 1.0 / (i + 1);
                double d = counters.ContactsServed - expected;
                dispersion += d * d / expected;
            }
        }

        // The build leaves the peer tables it outgrew behind in the oldest generation; compact them away now, so that
        // the broadcast waves below (up to n·|PartialView| events in flight) reuse that memory instead of adding to it.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        progress?.Invoke("connectivity", 0, 1);
        bool connected = OverlayAnalysis.IsStronglyConnected(network);

        // Crash F·n distinct random nodes silently; with heartbeats off nobody notices (no recovery).
        int crash = (int)Math.Round(parameters.FailFraction * parameters.Nodes);
        crash = Math.Min(crash, parameters.Nodes - 2);
        int[] order = Shuffle(parameters.Nodes, ref random);
        var dead = new bool[parameters.Nodes];
        for (int k = 0; k < crash; k++)
        {
            dead[order[k]] = true;
            network.Crash(order[k], notifyPeers: false);
        }

        int cutOff = CountLiveWithoutLiveInNeighbour(network);
        network.Conditions = conditions with { LossProbability = parameters.Loss };
        int live = parameters.Nodes - crash;
        double reachedSum = 0, gossipSum = 0;
        int atomic = 0, gossipAtomic = 0;
        var payload = ReadOnlyMemory<byte>.Empty;
        Xoshiro256StarStar gossipRandom = random.Fork();
        var informed = new bool[parameters.Nodes];
        var frontier = new int[parameters.Nodes];
        for (int t = 0; t < parameters.Trials; t++)
        {
            progress?.Invoke("broadcast", t, parameters.Trials);
            int origin = RandomLive(dead, ref random);
            long before = network.Deliveries;
            network.Broadcast(origin, payload);
            Settle(network);
            long reached = network.Deliveries - before;
            reachedSum += (double)reached / (live - 1);
            atomic += reached == live - 1 ? 1 : 0;

            long g = GossipWithFullMembership(dead, origin, pv.Mean, ref gossipRandom, informed, frontier);
            gossipSum += (double)g / (live - 1);
            gossipAtomic += g == live - 1 ? 1 : 0;
        }

        long events = network.EventsProcessed;
        IReadOnlyList<TimelineSample> timeline = [];
        PartitionOutcome? partition = null;
        if (parameters.TimelineDuration > 0)
        {
            (timeline, partition, long timelineEvents) = RunTimeline(parameters, progress);
            events += timelineEvents;
        }

        int trials = parameters.Trials;
        bool measured = trials > 0;
        return new SimulationResult
        {
            Parameters = parameters,
            PartialView = pv,
            InView = iv,
            TheoryLn = (parameters.C + 1) * Math.Log(parameters.Nodes),
            TheoryHarmonic = Harmonic(parameters.Nodes, parameters.C),
            LostSubscriptions = lost,
            LostNoView = lostNoView,
            SubscriptionsKept = kept,
            WalkSteps = walkSteps,
            CopiesForwarded = forwarded,
            ContactViewRatio = network.ContactMeanPartialViewSum > 0 ? network.ContactPartialViewSum / network.ContactMeanPartialViewSum : 0,
            ContactDispersion = network.Count > 1 ? dispersion / (network.Count - 1) : 0,
            StronglyConnected = connected,
            BuildSimulatedTime = buildTime,
            BuildEvents = buildEvents,
            Events = events,
            PeakPendingEvents = peakPending,
            Crashed = crash,
            CutOff = cutOff,
            MeanReached = measured ? reachedSum / trials : double.NaN,
            Atomic = measured ? (double)atomic / trials : double.NaN,
            GossipMeanReached = measured ? gossipSum / trials : double.NaN,
            GossipAtomic = measured ? (double)gossipAtomic / trials : double.NaN,
            GossipFanout = pv.Mean,
            Timeline = timeline,
            Partition = partition,
        };
    }

    /// <summary>
    /// Adds nodes until the network holds <paramref name="nodes"/>: the first starts alone, then one joins every
    /// <paramref name="joinInterval"/> through a uniformly random earlier node; then runs until the queue is quiet.
    /// </summary>
    public static void Build(SimNetwork network, int nodes, long joinInterval, ref Xoshiro256StarStar random, ProgressHandler? progress, string phase) =>
        Build(network, nodes, joinInterval, ref random, progress, phase, newest: false);

    /// <summary>
    /// As <see cref="Build(SimNetwork, int, long, ref Xoshiro256StarStar, ProgressHandler?, string)"/>; with
    /// <paramref name="newest"/> every join goes through the node added just before (if it is a live member).
    /// </summary>
    public static void Build(SimNetwork network, int nodes, long joinInterval, ref Xoshiro256StarStar random, ProgressHandler? progress, string phase, bool newest) =>
        Build(network, nodes, joinInterval, ref random, progress, phase, newest, settleLimit: null);

    /// <summary>
    /// The build; the settle after the last join runs until quiet (<see cref="Settle"/>), or, with
    /// <paramref name="settleLimit"/>, for that long at most (an overlay with leases never goes quiet).
    /// </summary>
    private static void Build(SimNetwork network, int nodes, long joinInterval, ref Xoshiro256StarStar random, ProgressHandler? progress, string phase, bool newest, long? settleLimit)
    {
        ArgumentNullException.ThrowIfNull(network);
        int start = network.Count;
        if (start == 0)
        {
            network.AddFirst();
        }

        long step = Math.Max(1, nodes / 100);
        long tenth = Math.Max(1, nodes / 10);
        for (int i = network.Count; i < nodes; i++)
        {
            if (nodes >= CompactFrom && i % tenth == 0)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            }

            if (i % step == 0)
            {
                progress?.Invoke(phase, i, nodes);
            }

            network.RunUntil(network.Now + joinInterval);
            int contact = i - 1;
            if (!newest || !IsLiveMember(network, contact))
            {
                do
                {
                    contact = random.NextInt(i);
                }
                while (!IsLiveMember(network, contact));
            }

            network.AddAndJoin(contact);
        }

        // Settle: until only heartbeats and idle timers remain for a minute (with timers off: the queue empties).
        Settle(network, settleLimit);
        progress?.Invoke(phase, nodes, nodes);
    }

    /// <summary>View-size statistics over live member nodes.</summary>
    public static ViewStatistics Statistics(SimNetwork network, bool partial)
    {
        ArgumentNullException.ThrowIfNull(network);
        long count = 0;
        double sum = 0, sumSquares = 0;
        int min = int.MaxValue, max = 0;
        var histogram = new long[64];
        for (int i = 0; i < network.Count; i++)
        {
            if (!IsLiveMember(network, i))
            {
                continue;
            }

            int size = partial ? network[i].PartialViewCount : network[i].InViewCount;
            count++;
            sum += size;
            sumSquares += (double)size * size;
            min = Math.Min(min, size);
            max = Math.Max(max, size);
            if (size >= histogram.Length)
            {
                Array.Resize(ref histogram, Math.Max(size + 1, histogram.Length * 2));
            }

            histogram[size]++;
        }

        if (count == 0)
        {
            return new ViewStatistics(0, 0, 0, 0, []);
        }

        double mean = sum / count;
        double variance = Math.Max(0, (sumSquares / count) - (mean * mean));
        Array.Resize(ref histogram, max + 1);
        return new ViewStatistics(mean, Math.Sqrt(variance), min, max, histogram);
    }

    /// <summary>
    /// Gossip with full membership knowledge: the origin and every newly informed live node send to ⌊f⌋ (plus one
    /// with probability f − ⌊f⌋) nodes drawn uniformly from the whole membership (crashed ones included, as a
    /// membership that does not know about the crashes). Returns the live nodes informed, origin excluded.
    /// </summary>
    public static long GossipWithFullMembership(bool[] dead, int origin, double fanout, ref Xoshiro256StarStar random, bool[] informed, int[] frontier)
    {
        ArgumentNullException.ThrowIfNull(dead);
        ArgumentNullException.ThrowIfNull(informed);
        ArgumentNullException.ThrowIfNull(frontier);
        int n = dead.Length;
        Array.Clear(informed, 0, n);
        int whole = (int)Math.Floor(fanout);
        double fraction = fanout - whole;
        int head = 0, tail = 0;
        informed[origin] = true;
        frontier[tail++] = origin;
        long reached = 0;
        while (head < tail)
        {
            int node = frontier[head++];
            int targets = whole + (random.NextDouble() < fraction ? 1 : 0);
            for (int k = 0; k < targets; k++)
            {
                int target = random.NextInt(n - 1);
                target += target >= node ? 1 : 0;
                if (!informed[target])
                {
                    informed[target] = true;
                    if (!dead[target])
                    {
                        reached++;
                        frontier[tail++] = target;
                    }
                }
            }
        }

        return reached;
    }

    private static (IReadOnlyList<TimelineSample> Samples, PartitionOutcome? Partition, long Events) RunTimeline(SimulationParameters p, ProgressHandler? progress)
    {
        var options = BuildOptions(p.C, 0) with
        {
            HeartbeatPeriod = p.TimelineHeartbeat,
            WalkBudget = p.WalkBudget,
            InitialPeerCapacity = InitialPeers(p.Nodes, p.C),
            Lease = p.Lease,
            LeaseOverlap = Math.Min(60_000, Math.Max(1, p.Lease / 4)),
        };
        var random = new Xoshiro256StarStar(p.Seed ^ 0x7133_11EEUL);
        var network = new SimNetwork(options, p.Seed + 1, new SimNetworkOptions { MinLatency = p.MinLatency, MaxLatency = p.MaxLatency })
        {
            TraceOutputs = false,
        };
        // Heartbeats run during this build, so joins come at most 1 s apart to keep its cost bounded. Lease
        // resubscriptions never let it go quiet: a join settles in seconds, so it runs a minute (or 1 000 hops) past
        // the last join instead of the ten minutes a settle may take.
        long? settle = p.Lease > 0 ? Math.Max(60_000, 1_000 * LongestHop(network)) : null;
        Build(network, p.Nodes, Math.Min(p.JoinInterval, 1000), ref random, progress, "timeline build", p.NewestFirstContact, settle);
        long start = network.Now;
        var samples = new List<TimelineSample> { Sample(network, 0, countCrossArcs: false) };
        double churnDebt = 0;

        // The partition draws from its own generator, so that a run with one churns exactly like the run without.
        var partitionRandom = new Xoshiro256StarStar(p.Seed ^ 0x9A27_1710UL);
        long partitionAt = p.PartitionFraction > 0 ? start + p.PartitionStart : long.MaxValue;
        long healAt = p.PartitionFraction > 0 ? partitionAt + p.PartitionLength : long.MaxValue;
        int cut = 0;
        long crossBefore = 0;
        void RunTo(long until)
        {
            if (partitionAt <= until)
            {
                network.RunUntil(partitionAt);
                cut = Split(network, p.PartitionFraction, ref partitionRandom);
                crossBefore = CountCrossArcs(network);
                partitionAt = long.MaxValue;
            }

            if (healAt <= until)
            {
                network.RunUntil(healAt);
                network.Heal();
                healAt = long.MaxValue;
            }

            network.RunUntil(until);
        }

        // A sample every SampleInterval, and one at the end when the duration is not a multiple of it.
        for (long previous = 0; previous < p.TimelineDuration;)
        {
            long t = Math.Min(previous + p.SampleInterval, p.TimelineDuration);
            progress?.Invoke("timeline", t, p.TimelineDuration);
            if (p.Churn > 0)
            {
                // Churn spread over the interval, one simulated second at a time.
                for (long s = previous; s < t; s += 1000)
                {
                    churnDebt += p.Churn * Math.Min(1000, t - s) / 1000.0;
                    while (churnDebt >= 1)
                    {
                        churnDebt--;
                        ChurnOnce(network, ref random);
                    }

                    RunTo(start + Math.Min(s + 1000, t));
                }
            }

            RunTo(start + t);
            samples.Add(Sample(network, t, countCrossArcs: cut > 0));
            previous = t;
        }

        if (p.PartitionFraction <= 0)
        {
            return (samples, null, network.EventsProcessed);
        }

        RunTo(start + p.TimelineDuration); // the partition has healed
        progress?.Invoke("reach after the partition", 0, 2);
        double fromCut = ReachFromSide(network, 1, ref partitionRandom);
        progress?.Invoke("reach after the partition", 1, 2);
        double fromRest = ReachFromSide(network, 0, ref partitionRandom);
        progress?.Invoke("reach after the partition", 2, 2);
        return (samples, new PartitionOutcome(cut, crossBefore, network.LostToPartition, fromCut, fromRest), network.EventsProcessed);
    }

    /// <summary>Puts a random <paramref name="fraction"/> of the live members on side 1, everyone else on side 0; returns how many.</summary>
    private static int Split(SimNetwork network, double fraction, ref Xoshiro256StarStar random)
    {
        var members = new List<int>();
        for (int i = 0; i < network.Count; i++)
        {
            if (IsLiveMember(network, i))
            {
                members.Add(i);
            }
        }

        int cut = members.Count < 2 ? 0 : Math.Clamp((int)Math.Round(fraction * members.Count), 1, members.Count - 1);
        var sides = new int[network.Count];
        for (int k = 0; k < cut; k++)
        {
            int pick = k + random.NextInt(members.Count - k);
            (members[k], members[pick]) = (members[pick], members[k]);
            sides[members[k]] = 1;
        }

        network.Partition(sides);
        return cut;
    }

    /// <summary>PartialView arcs between live members on different sides of the last partition.</summary>
    private static long CountCrossArcs(SimNetwork network)
    {
        var buffer = new Wire.NodeId[4096];
        long cross = 0;
        for (int i = 0; i < network.Count; i++)
        {
            if (!IsLiveMember(network, i))
            {
                continue;
            }

            int n = network[i].CopyPartialView(buffer);
            for (int k = 0; k < n; k++)
            {
                int j = network.IndexOf(buffer[k]);
                cross += j >= 0 && IsLiveMember(network, j) && network.SideOf(j) != network.SideOf(i) ? 1 : 0;
            }
        }

        return cross;
    }

    /// <summary>
    /// Broadcasts from a random live member on <paramref name="side"/> of the last partition and returns the fraction of
    /// the other live members it reached within a minute, or 100 of the longest hops if longer (1 if there is no such
    /// origin or no one else).
    /// </summary>
    private static double ReachFromSide(SimNetwork network, int side, ref Xoshiro256StarStar random)
    {
        var candidates = new List<int>();
        int members = 0;
        for (int i = 0; i < network.Count; i++)
        {
            if (IsLiveMember(network, i))
            {
                members++;
                if (network.SideOf(i) == side)
                {
                    candidates.Add(i);
                }
            }
        }

        if (candidates.Count == 0 || members < 2)
        {
            return 1;
        }

        int origin = candidates[random.NextInt(candidates.Count)];
        var delivered = new bool[network.Count];
        network.OnOutput = (index, output) => delivered[index] |= output.Kind == OutputKind.Deliver;
        try
        {
            network.Broadcast(origin, ReadOnlyMemory<byte>.Empty);
            network.RunUntil(network.Now + Math.Max(60_000, 100 * LongestHop(network))); // the hop limit is 32
        }
        finally
        {
            network.OnOutput = null;
        }

        int reached = 0;
        for (int i = 0; i < network.Count; i++)
        {
            reached += i != origin && delivered[i] && IsLiveMember(network, i) ? 1 : 0;
        }

        return (double)reached / (members - 1);
    }

    /// <summary>
    /// Runs until nothing but heartbeats and idle timers happened for a minute, and at least for twice the longest a
    /// message can be in flight (with latencies of minutes a shorter gap is not quiet, only slow); gives up after ten
    /// minutes or 10 000 such hops, whichever is longer (room for a long walk and its copies), or after
    /// <paramref name="limit"/> when one is given.
    /// </summary>
    private static void Settle(SimNetwork network, long? limit = null)
    {
        long hop = LongestHop(network);
        network.RunUntilQuiet(quietFor: Math.Max(60_000, (2 * hop) + 1), limit: network.Now + (limit ?? Math.Max(600_000, 10_000 * hop)));
    }

    /// <summary>The longest one message can take between two nodes.</summary>
    private static long LongestHop(SimNetwork network) => network.Conditions.MaxLatency + network.Conditions.Jitter;

    private static bool IsLiveMember(SimNetwork network, int i) => network.IsAlive(i) && network[i].State == NodeState.Member;

    private static void ChurnOnce(SimNetwork network, ref Xoshiro256StarStar random)
    {
        int leaver = RandomMember(network, ref random);
        if (leaver >= 0)
        {
            network.Leave(leaver);
        }

        int contact = RandomMember(network, ref random);
        if (contact >= 0)
        {
            network.AddAndJoin(contact);
        }
    }

    private static int RandomMember(SimNetwork network, ref Xoshiro256StarStar random)
    {
        for (int attempt = 0; attempt < 10_000; attempt++)
        {
            int i = random.NextInt(network.Count);
            if (IsLiveMember(network, i))
            {
                return i;
            }
        }

        return -1;
    }

    private static int CountLiveWithoutLiveInNeighbour(SimNetwork network)
    {
        var buffer = new Wire.NodeId[4096];
        int cut = 0;
        for (int i = 0; i < network.Count; i++)
        {
            if (!network.IsAlive(i))
            {
                continue;
            }

            int n = network[i].CopyInView(buffer);
            bool any = false;
            for (int k = 0; k < n && !any; k++)
            {
                int j = network.IndexOf(buffer[k]);
                any = j >= 0 && network.IsAlive(j);
            }

            cut += any ? 0 : 1;
        }

        return cut;
    }

    private static TimelineSample Sample(SimNetwork network, long time, bool countCrossArcs)
    {
        int live = 0, empty = 0;
        double pv = 0, iv = 0;
        long leases = 0, isolations = 0;
        for (int i = 0; i < network.Count; i++)
        {
            leases += network[i].Counters.LeaseResubscriptions;
            isolations += network[i].Counters.IsolationResubscriptions;
            if (IsLiveMember(network, i))
            {
                live++;
                pv += network[i].PartialViewCount;
                iv += network[i].InViewCount;
                empty += network[i].InViewCount == 0 ? 1 : 0;
            }
        }

        long cross = countCrossArcs ? CountCrossArcs(network) : 0;
        return new TimelineSample(time, live, live == 0 ? 0 : pv / live, live == 0 ? 0 : iv / live, empty, leases, isolations, cross);
    }

    private static int[] Shuffle(int n, ref Xoshiro256StarStar random)
    {
        int[] order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        for (int i = n - 1; i > 0; i--)
        {
            int j = random.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    private static int RandomLive(bool[] dead, ref Xoshiro256StarStar random)
    {
        while (true)
        {
            int i = random.NextInt(dead.Length);
            if (!dead[i])
            {
                return i;
            }
        }
    }
}
