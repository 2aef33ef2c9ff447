using RtcScamp.Wire;

namespace RtcScamp.Engine;

/// <summary>
/// Parameters of one <see cref="ScampNode"/>. Every time is in the same unit as the <c>now</c> passed to the node:
/// milliseconds by convention (the defaults assume milliseconds). Each default says where it comes from:
/// "paper" = Ganesh, Kermarrec, Massoulié, "Peer-to-peer membership management for gossip-based protocols",
/// IEEE Transactions on Computers 52(2), 2003; "guess" = a reasoned engineering choice.
/// </summary>
public sealed record ScampOptions
{
    /// <summary>The defaults below.</summary>
    public static ScampOptions Default { get; } = new();

    /// <summary>
    /// c, the number of extra copies a contact forwards; views converge to (c+1)·ln n. Default 1. Source: paper §3
    /// (c is the tolerance parameter; c = 1 doubles the ln n needed for connectivity); guess for the value.
    /// </summary>
    public int C { get; init; } = 1;

    /// <summary>
    /// H: every connection carries a frame at least every H in each direction. 0 turns heartbeats, liveness,
    /// isolation checks, connect timeouts and idle-connection closing off (pure overlay simulation).
    /// Default 1000 (1 s). Source: guess (DESIGN.md §5 fixes the rule, not the value; 1 s keeps heartbeat traffic
    /// under 100 B/s per connection while detecting a crash in a few seconds).
    /// </summary>
    public long HeartbeatPeriod { get; init; } = 1000;

    /// <summary>
    /// k: silence for k·H kills a connection and its arcs; an InView (or PartialView) empty for k·H triggers a
    /// resubscription. Default 5. Source: guess (tolerates four lost heartbeats in a row).
    /// </summary>
    public int LivenessMultiple { get; init; } = 5;

    /// <summary>
    /// Mean subscription lease. When it expires the node resubscribes through a random PartialView member; the
    /// actual lease is drawn uniformly in [Lease/2, 3·Lease/2) so nodes do not resubscribe in lock step.
    /// 0 disables leases. Default 600 000 (10 min). Source: paper §4.3 describes leases without a value; guess.
    /// </summary>
    public long Lease { get; init; } = 600_000;

    /// <summary>
    /// The lease window: after a lease resubscription, for this long each new in-arc releases one old in-arc
    /// (so the in-degree stays constant and broadcasts keep arriving); old in-arcs not replaced by then are kept.
    /// Must exceed the time a subscription needs to be kept (walk + forwarding + connection set-up).
    /// Default 60 000. Source: guess (a 10⁶-node walk is ~55 hops, then ~28 hops per copy).
    /// </summary>
    public long LeaseOverlap { get; init; } = 60_000;

    /// <summary>
    /// How long a subscription may take (walk, forwarding, connection set-up) before a node whose join or rejoin got
    /// no arc to a contact tries again; until then the empty-view and isolation checks leave a joining node alone.
    /// Default 60 000. Source: guess (a 10⁶-node walk is ~WalkBudget·2(c+1)·ln n ≈ 55 hops, ~1.5 s at 27 ms a hop, and
    /// stays under 30 s up to a budget of 10).
    /// </summary>
    public long JoinTimeout { get; init; } = 60_000;

    /// <summary>
    /// Budget of the indirection walk; each hop subtracts 1/deg(current), so a walk makes ≈ budget × deg hops
    /// (deg = |PartialView ∪ InView| ≈ 2(c+1)·ln n). Default 1. Source: DESIGN.md §1 names the rule with "e.g. 10",
    /// after the paper's indirection scheme (§4.1); 1 is measured (docs/simulator.md, c = 1, seeds 1–3, joins through
    /// a uniformly random earlier node or through the newest node): at budgets 10, 3 and 1 the chosen contact's
    /// |PartialView| over the mean |PartialView| at that moment is 0.998–1.006, 1.000–1.006 and 0.996–1.008, the
    /// contacts-per-node dispersion (1 = uniform) 0.96–1.02, 0.98–1.02 and 0.96–1.02, and the PartialView growth
    /// from 10³ to 10⁴ nodes 4.59–4.68, 4.58–4.60 and 4.48–4.58 against (c+1)(H_n₂ − H_n₁) = 4.60; a walk of deg
    /// hops is far past the overlay's mixing time (its diameter is ~4), and a budget of 1 halves the simulator's
    /// events (10⁴ nodes: 5.0 M → 2.6 M).
    /// </summary>
    public double WalkBudget { get; init; } = 1;

    /// <summary>
    /// Anti-loop guard: a forwarded-subscription copy that has made this many hops is destroyed (and counted).
    /// Default 255, the most the one-byte hop field holds. Source: guess — with |PartialView| = 28 a copy survives
    /// 255 forwards with probability ≈ e^(−255/29) ≈ 2·10⁻⁴.
    /// </summary>
    public int SubscriptionHopLimit { get; init; } = 255;

    /// <summary>
    /// Anti-loop guard: a node that has seen copies of the same subscriber's subscription more than this many times
    /// within <see cref="SeenWindow"/> destroys further copies (counted). Default 50. Source: measured. The
    /// literature's "about 10" (DESIGN.md §3) destroys copies in the first few dozen joins, when |PartialView|+c
    /// copies of one subscriber circle an overlay of a few nodes looking for the last nodes that can still keep it;
    /// each early loss lowers the mean view of the final overlay by 1/(size at that join), for good. Sequential
    /// joins of 1 000 nodes with c = 2 (seeds 7–9): limit 10 lost 26–65 copies and left the mean PartialView 15–21%
    /// under (c+1)(H_n − 1); limit 50 lost 1–3 copies and 4–15% under, the remainder being mostly copies no node
    /// could keep (an overlay of k nodes holds at most k arcs into the newcomer). Work stays bounded by
    /// <see cref="SubscriptionHopLimit"/> per copy.
    /// </summary>
    public int SeenLimit { get; init; } = 50;

    /// <summary>How long a per-node seen count for one subscriber is remembered. Default 60 000. Source: guess.</summary>
    public long SeenWindow { get; init; } = 60_000;

    /// <summary>
    /// A broadcast travels at most this many hops. Default 32. Source: guess — the SCAMP digraph's diameter is about
    /// ln n / ln((c+1)·ln n) ≈ 4–5 at n = 10⁶; 32 leaves room for first copies arriving over long paths.
    /// </summary>
    public int BroadcastHopLimit { get; init; } = 32;

    /// <summary>
    /// Dedup ring capacity (distinct broadcast ids remembered). The ring is allocated on the first broadcast.
    /// Default 4096: enough for 10 000 distinct broadcasts/s over a hop-limit × latency window of 0.4 s
    /// (see docs/engine.md). Source: guess.
    /// </summary>
    public int DedupCapacity { get; init; } = 4096;

    /// <summary>A connection attempt that is not up after this long fails (its pending arc is lost). Default 30 000. Source: guess (ICE over relayed signaling).</summary>
    public long ConnectTimeout { get; init; } = 30_000;

    /// <summary>
    /// After <see cref="ScampNode.Leave"/>, how long the leaver keeps its connections open so its messages are
    /// flushed and replacement signaling can be relayed through it. Default 5000. Source: guess.
    /// </summary>
    public long LeaveLinger { get; init; } = 5000;

    /// <summary>Most peers (connections, pending or up) a node tracks; more are refused. Default 1024. Source: guess (views are ~30 at 10⁶ nodes).</summary>
    public int MaxPeers { get; init; } = 1024;

    /// <summary>
    /// Entries the peer table starts with when its first peer arrives (0: a small block). A simulator that knows the
    /// expected |PartialView ∪ InView| (≈ 2(c+1)(H_n − 1)) sets it so that 10⁶ tables are not regrown (and their old
    /// arrays left to the collector) half a dozen times each. Default 0. Source: guess.
    /// </summary>
    public int InitialPeerCapacity { get; init; }

    /// <summary>
    /// Flood guard: more than this many messages from one peer within one half heartbeat period closes that
    /// connection. 0 = unlimited; at most 65 000. Default 50 000 (100 000 msg/s per peer at H = 1 s). Source: guess.
    /// Only enforced while heartbeats are on (the tick resets the count).
    /// </summary>
    public int MaxMessagesPerPeerPerTick { get; init; } = 50_000;

    /// <summary>
    /// Record the path subscriptions travel (needed for relayed WebRTC signaling). A simulator that connects nodes
    /// directly may turn it off to save work. Default true.
    /// </summary>
    public bool RecordRoutes { get; init; } = true;

    /// <summary>Send <see cref="Wire.Messages.Hello"/> on every new connection. Default true.</summary>
    public bool SendHello { get; init; } = true;

    /// <summary>Emit <see cref="OutputKind.ViewChanged"/> outputs. Default true.</summary>
    public bool ReportViewChanges { get; init; } = true;

    /// <summary>Wire limits (route cap, payload size) the node enforces on what it builds and accepts.</summary>
    public WireLimits Limits { get; init; } = WireLimits.Default;

    /// <summary>Throws if a value is out of range (caller misuse).</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(C);
        ArgumentOutOfRangeException.ThrowIfNegative(HeartbeatPeriod);
        ArgumentOutOfRangeException.ThrowIfLessThan(LivenessMultiple, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(LivenessMultiple, 100);
        ArgumentOutOfRangeException.ThrowIfNegative(Lease);
        ArgumentOutOfRangeException.ThrowIfNegative(LeaseOverlap);
        ArgumentOutOfRangeException.ThrowIfNegative(JoinTimeout);
        if (!(WalkBudget >= 0 && WalkBudget <= 1000))
        {
            throw new ArgumentOutOfRangeException(nameof(WalkBudget), "WalkBudget must be in [0, 1000].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(SubscriptionHopLimit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(SubscriptionHopLimit, 255);
        ArgumentOutOfRangeException.ThrowIfLessThan(SeenLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BroadcastHopLimit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BroadcastHopLimit, 255);
        ArgumentOutOfRangeException.ThrowIfLessThan(DedupCapacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(ConnectTimeout);
        ArgumentOutOfRangeException.ThrowIfNegative(LeaveLinger);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPeers, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(InitialPeerCapacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(InitialPeerCapacity, 65_536);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxMessagesPerPeerPerTick);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxMessagesPerPeerPerTick, 65_000);
        ArgumentNullException.ThrowIfNull(Limits);
    }
}
