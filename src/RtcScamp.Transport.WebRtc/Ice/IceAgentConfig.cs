namespace RtcScamp.Transport.WebRtc.Ice;

/// <summary>ICE timers and bounds, in milliseconds of the caller's clock. Defaults cite their source.</summary>
public sealed record IceAgentConfig
{
    /// <summary>Ta: pacing between new checks. RFC 8445 §14.2 default is 50 ms.</summary>
    public long PacingInterval { get; init; } = 50;

    /// <summary>Initial retransmission timeout of a check. RFC 8445 §14.3 minimum and RFC 8489 §6.2.1: 500 ms.</summary>
    public long InitialRto { get; init; } = 500;

    /// <summary>Transmissions of one check before it fails. RFC 8489 §6.2.1 Rc = 7.</summary>
    public int MaxTransmits { get; init; } = 7;

    /// <summary>Wait after the last transmission, as a multiple of the initial RTO. RFC 8489 §6.2.1 Rm = 16.</summary>
    public int LastWaitMultiplier { get; init; } = 16;

    /// <summary>
    /// Controlling agent: how long after the first valid pair to wait for better pairs before
    /// nominating the best valid one (regular nomination, RFC 8445 §8.1.1). Guess: 500 ms, enough for
    /// higher-priority host pairs on a LAN to answer.
    /// </summary>
    public long NominationDelay { get; init; } = 500;

    /// <summary>Consent check interval; each is randomized in [0.8, 1.2]×. RFC 7675 §5.1: 5 s.</summary>
    public long ConsentInterval { get; init; } = 5_000;

    /// <summary>Consent expires this long after the last answered check. RFC 7675 §5.1: 30 s.</summary>
    public long ConsentExpiry { get; init; } = 30_000;

    /// <summary>
    /// Connected → Disconnected after this long without a consent answer. Guess: 10 s, i.e. two
    /// consent intervals unanswered, long before the 30 s expiry.
    /// </summary>
    public long DisconnectedAfter { get; init; } = 10_000;

    /// <summary>Most remote candidates (signaled plus peer-reflexive) kept; bounds hostile input.</summary>
    public int MaxRemoteCandidates { get; init; } = 32;

    /// <summary>Most candidate pairs. RFC 8445 §6.1.2.5 suggests a limit; 100 is its example.</summary>
    public int MaxPairs { get; init; } = 100;

    /// <summary>Most concurrently outstanding STUN transactions.</summary>
    public int MaxTransactions { get; init; } = 64;

    /// <summary>Most queued responses waiting for <see cref="IceAgent.PollTransmit"/>; extra ones are dropped.</summary>
    public int MaxQueuedResponses { get; init; } = 32;
}
