namespace RtcScamp.Transport.WebRtc.Ice;

/// <summary>What <see cref="IceAgent.HandleReceive"/> did with a datagram. Peer input never throws.</summary>
public enum IceReceiveResult
{
    /// <summary>A STUN message for this agent, processed.</summary>
    Consumed,

    /// <summary>First byte outside 0–3: not STUN (RFC 7983); give it to another layer.</summary>
    NotStun,

    /// <summary>Looked like STUN but failed to parse (see <see cref="Stun.StunParseError"/>).</summary>
    Malformed,

    /// <summary>A request without valid credentials for our ufrag, or a response failing integrity.</summary>
    Unauthenticated,

    /// <summary>A response whose transaction id matches nothing outstanding (late, duplicate or forged).</summary>
    UnknownTransaction,

    /// <summary>Well-formed STUN this agent does not handle (other methods, or the agent is closed).</summary>
    Ignored,
}
