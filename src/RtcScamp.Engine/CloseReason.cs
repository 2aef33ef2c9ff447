namespace RtcScamp.Engine;

/// <summary>Why a connection is (to be) closed: emitted by the node in <see cref="OutputKind.Close"/> and passed to it in <see cref="ScampNode.HandleConnectionDown"/>.</summary>
public enum CloseReason : byte
{
    /// <summary>Not specified.</summary>
    None = 0,

    /// <summary>The local node left the overlay gracefully.</summary>
    Leaving = 1,

    /// <summary>No arc (and nothing pending) used the connection for k·H.</summary>
    Unused = 2,

    /// <summary>Nothing was received for k·H.</summary>
    LivenessTimeout = 3,

    /// <summary>The peer sent more messages in one half heartbeat period than allowed.</summary>
    Flood = 4,

    /// <summary>The peer sent a message that breaks a protocol rule.</summary>
    ProtocolViolation = 5,

    /// <summary>The peer's Hello names another node than the connection is bound to.</summary>
    IdentityMismatch = 6,

    /// <summary>The peer speaks another protocol version.</summary>
    VersionMismatch = 7,

    /// <summary>A connection attempt did not come up within the connect timeout, or failed.</summary>
    ConnectFailed = 8,

    /// <summary>The node already tracks the maximum number of peers.</summary>
    TooManyPeers = 9,

    /// <summary>The transport failed (reset, I/O error); only passed in by drivers.</summary>
    TransportError = 10,

    /// <summary>The peer closed the connection; only passed in by drivers.</summary>
    PeerClosed = 11,

    /// <summary>The peer's frame could not be decoded or broke a wire limit.</summary>
    MalformedFrame = 12,
}
