namespace RtcScamp.Engine;

/// <summary>
/// What a node has counted since it was created: traffic, protocol events, and every piece of bad or lost input
/// (dropped, never thrown). Plain fields so a simulator can sum millions of them cheaply.
/// </summary>
public struct NodeCounters
{
    // The counters a message handler bumps come first: they share one cache line, so a simulator touching a
    // random node per event pays one line for them, not four.
    /// <summary>Messages handed to the node by <see cref="ScampNode.HandleMessage"/> (any outcome).</summary>
    public long MessagesReceived;

    /// <summary>Messages the node emitted (heartbeats included).</summary>
    public long MessagesSent;

    /// <summary>Forwarded-subscription copies passed on.</summary>
    public long SubscriptionsForwarded;

    /// <summary>Forwarded-subscription copies kept here (arc this→subscriber made).</summary>
    public long SubscriptionsKept;

    /// <summary>Subscribe walk steps handled here.</summary>
    public long WalkSteps;

    /// <summary>Broadcasts delivered to the application (first copy of each id).</summary>
    public long BroadcastsDelivered;

    /// <summary>Broadcast copies dropped as duplicates (id in the dedup ring, or our own).</summary>
    public long BroadcastDuplicates;

    /// <summary>Broadcast copies sent on to PartialView members.</summary>
    public long BroadcastsForwarded;

    /// <summary>Messages from a node with no connection to this one: dropped.</summary>
    public long UnknownPeer;

    /// <summary>Messages dropped because they broke a rule (each also closed the connection).</summary>
    public long ProtocolViolations;

    /// <summary>Harmless stale messages dropped (e.g. an Accept or Remove for an arc already gone).</summary>
    public long StaleMessages;

    /// <summary>Frames that failed to decode (frame-level entry point).</summary>
    public long MalformedFrames;

    /// <summary>Connections closed because a peer flooded.</summary>
    public long FloodCloses;

    /// <summary>Heartbeats sent.</summary>
    public long HeartbeatsSent;

    /// <summary>Connections killed because the peer was silent for k·H.</summary>
    public long LivenessKills;

    /// <summary>Idle connections (no arc for k·H) closed.</summary>
    public long UnusedCloses;

    /// <summary>Times this node was the contact at the end of a walk.</summary>
    public long ContactsServed;

    /// <summary>Copies destroyed by the per-copy hop limit.</summary>
    public long CopiesLostHopLimit;

    /// <summary>Copies destroyed by the per-node seen count.</summary>
    public long CopiesLostSeenLimit;

    /// <summary>Copies destroyed because this node could neither keep nor forward (empty PartialView).</summary>
    public long CopiesLostNoView;

    /// <summary>Subscription routes that outgrew the route cap (the route was dropped; relayed signaling back is impossible).</summary>
    public long RouteOverflows;

    /// <summary>Arcs that could not be made because the connection failed or timed out.</summary>
    public long ArcsFailed;

    /// <summary>Arcs refused because the peer table was full.</summary>
    public long ViewFull;

    /// <summary>Lease resubscriptions started.</summary>
    public long LeaseResubscriptions;

    /// <summary>Old in-arcs released after a lease resubscription.</summary>
    public long LeaseReleases;

    /// <summary>In-arcs refused during a lease window because every old in-arc was already replaced.</summary>
    public long LeaseRefusals;

    /// <summary>Resubscriptions because the InView stayed empty for k·H.</summary>
    public long IsolationResubscriptions;

    /// <summary>Rejoins because the PartialView stayed empty for k·H.</summary>
    public long EmptyViewRejoins;

    /// <summary>Joins retried because no contact arc came within the join timeout.</summary>
    public long JoinRetries;

    /// <summary>Unsubscribe messages that asked this node for a replacement arc and led to one.</summary>
    public long ReplacementsMade;

    /// <summary>Replacement requests not followed (replacement is this node or already in its PartialView).</summary>
    public long ReplacementsSkipped;

    /// <summary>Broadcasts this node originated.</summary>
    public long BroadcastsOriginated;

    /// <summary>Delivered broadcasts not forwarded because they reached the hop limit.</summary>
    public long BroadcastHopLimitReached;

    /// <summary>Signals relayed on toward their target.</summary>
    public long SignalsRelayed;

    /// <summary>Signals that could not be relayed (next hop not connected): answered with Unreachable.</summary>
    public long SignalsUnreachable;
}
