namespace RtcScamp.Transport.WebRtc.Ice;

/// <summary>
/// The agent's connection state. Legal transitions (anything else is a bug and throws):
/// <code>
///            remote credentials + a pair to check
///   New ────────────────────────────────> Checking ──all pairs failed──> Failed
///    │                                      │  ^                          │ ^
///    │                                      │  └──new candidate (checks)──┘ │
///    │                           nominated  v                               │
///    │         consent answered ┌──── Connected ── no consent answer 30 s ──┤
///    │                          │        │ no answer for DisconnectedAfter  │
///    │                          └──── Disconnected ─── 30 s without answer ─┘
///    └──────────── Close() from any state ──────────> Closed
/// </code>
/// Failed after consent expiry (RFC 7675 §5.1) is final; Failed after exhausting the check list
/// goes back to Checking when a new remote candidate arrives (signaled or peer-reflexive).
/// </summary>
public enum IceState
{
    /// <summary>Answering checks; not yet checking (no remote credentials or no pairs).</summary>
    New,

    /// <summary>Connectivity checks in progress.</summary>
    Checking,

    /// <summary>A nominated pair is selected and consent is fresh.</summary>
    Connected,

    /// <summary>Consent checks on the selected pair went unanswered for a while.</summary>
    Disconnected,

    /// <summary>No pair works, or consent expired.</summary>
    Failed,

    /// <summary>Closed by the application.</summary>
    Closed,
}

/// <summary>What an <see cref="IceEvent"/> reports.</summary>
public enum IceEventKind
{
    /// <summary><see cref="IceEvent.OldState"/> → <see cref="IceEvent.NewState"/>.</summary>
    StateChanged,

    /// <summary>A local candidate to signal (host added, or server-reflexive discovered).</summary>
    LocalCandidate,

    /// <summary>Gathering finished (every STUN server transaction completed or timed out).</summary>
    GatheringComplete,

    /// <summary>A remote peer-reflexive candidate was learned from an authenticated check.</summary>
    PeerReflexiveCandidate,

    /// <summary>The selected pair changed; send application data to its remote address.</summary>
    SelectedPairChanged,

    /// <summary>The agent switched role after a conflict (RFC 8445 §7.3.1.1 / §7.2.5.1).</summary>
    RoleChanged,
}

/// <summary>An output event of the <see cref="IceAgent"/>, drained with <see cref="IceAgent.PollEvent"/>.</summary>
public readonly record struct IceEvent(
    IceEventKind Kind,
    IceState OldState = IceState.New,
    IceState NewState = IceState.New,
    IceCandidate? Candidate = null,
    IceCandidatePair? Pair = null,
    bool Controlling = false);
