namespace RtcScamp.Transport.WebRtc.Sctp;

/// <summary>What an <see cref="SctpEvent"/> reports.</summary>
public enum SctpEventKind : byte
{
    /// <summary>COOKIE-ECHO/COOKIE-ACK finished; Send now transmits.</summary>
    Established,

    /// <summary>A complete message; read its bytes with <see cref="SctpAssociation.ReadMessage"/> before the next PollEvent.</summary>
    Message,

    /// <summary>The stream's buffered amount fell to or below its low threshold.</summary>
    BufferedAmountLow,

    /// <summary>The peer reset its outgoing side of the stream (our incoming SSN is back to 0).</summary>
    IncomingStreamReset,

    /// <summary>Our outgoing side of the stream was reset (the peer confirmed).</summary>
    OutgoingStreamReset,

    /// <summary>The peer refused to reset our outgoing stream.</summary>
    StreamResetFailed,

    /// <summary>The association ended; <see cref="SctpEvent.CloseReason"/> says why.</summary>
    Closed,
}

/// <summary>Why an association ended.</summary>
public enum SctpCloseReason : byte
{
    None,

    /// <summary>SHUTDOWN sequence completed.</summary>
    Shutdown,

    /// <summary>The peer sent ABORT.</summary>
    PeerAbort,

    /// <summary><see cref="SctpAssociation.Abort"/> was called.</summary>
    LocalAbort,

    /// <summary>INIT or COOKIE-ECHO went unanswered Max.Init.Retransmits times.</summary>
    HandshakeTimeout,

    /// <summary>Association.Max.Retrans consecutive retransmission timeouts.</summary>
    RetransmitLimit,
}

/// <summary>One output of <see cref="SctpAssociation.PollEvent"/>.</summary>
public readonly record struct SctpEvent(
    SctpEventKind Kind,
    ushort StreamId = 0,
    uint Ppid = 0,
    int Length = 0,
    bool Unordered = false,
    SctpCloseReason CloseReason = SctpCloseReason.None);

/// <summary>Result of <see cref="SctpAssociation.Send"/>.</summary>
public enum SctpSendResult : byte
{
    /// <summary>Queued; it will be delivered reliably.</summary>
    Ok,

    /// <summary>Larger than the peer's max-message-size.</summary>
    TooLarge,

    /// <summary>The send buffer limit would be exceeded; wait for BufferedAmountLow.</summary>
    BufferFull,

    /// <summary>Stream id not below the negotiated outbound stream count.</summary>
    InvalidStream,

    /// <summary>ResetStream was called and its request has not gone out yet; data sent after that goes after the reset point.</summary>
    StreamResetting,

    /// <summary>The association is closed or shutting down.</summary>
    NotConnected,
}

/// <summary>
/// Association states (RFC 4960 §4). Legal transitions:
/// <code>
///  Closed --Connect/INIT--> CookieWait --INIT-ACK/COOKIE-ECHO--> CookieEchoed --COOKIE-ACK--> Established
///  Closed|CookieWait|CookieEchoed --valid COOKIE-ECHO/COOKIE-ACK--> Established
///  Established --Shutdown()--> ShutdownPending --all acked/SHUTDOWN--> ShutdownSent --SHUTDOWN-ACK/SHUTDOWN-COMPLETE--> Closed
///  Established|ShutdownPending --SHUTDOWN--> ShutdownReceived --all acked/SHUTDOWN-ACK--> ShutdownAckSent --SHUTDOWN-COMPLETE--> Closed
///  any --ABORT in/out, timer exhaustion--> Closed
/// </code>
/// </summary>
public enum SctpAssociationState : byte
{
    Closed,
    CookieWait,
    CookieEchoed,
    Established,
    ShutdownPending,
    ShutdownSent,
    ShutdownReceived,
    ShutdownAckSent,
}
