namespace RtcScamp.Transport.WebRtc.Sctp;

/// <summary>
/// Settings of one <see cref="SctpAssociation"/>. Times are milliseconds. Each default says where it
/// comes from; see docs/webrtc-sctp.md for the reasoning.
/// </summary>
public sealed record SctpAssociationOptions
{
    /// <summary>Our SCTP port; WebRTC uses the SDP <c>a=sctp-port</c> value, 5000 by default (RFC 8841 §5).</summary>
    public ushort LocalPort { get; init; } = 5000;

    /// <summary>The peer's SCTP port from its SDP (RFC 8841 §5).</summary>
    public ushort RemotePort { get; init; } = 5000;

    /// <summary>
    /// Largest SCTP packet we build. 1200 leaves room for DTLS (≈ 29 bytes), UDP and IPv6 headers
    /// inside a 1280-byte IPv6 minimum MTU; browsers use a similar figure.
    /// </summary>
    public int Mtu { get; init; } = 1200;

    /// <summary>
    /// Receive buffer: the a_rwnd we advertise and the hard bound on bytes held for reassembly and
    /// undelivered messages (RFC 4960 §6.2). 2 MiB sustains ≈ 100 MB/s at 20 ms RTT (guess; Chromium's
    /// dcsctp uses 5 MiB).
    /// </summary>
    public int ReceiveWindow { get; init; } = 2 * 1024 * 1024;

    /// <summary>
    /// Largest incoming message accepted (what SDP should advertise as max-message-size); WebRTC's
    /// default is 256 KiB (RFC 8841 §6). ReceiveWindow must be at least this plus 4 · Mtu.
    /// </summary>
    public int MaxReceiveMessageSize { get; init; } = 256 * 1024;

    /// <summary>Largest message <see cref="SctpAssociation.Send"/> accepts; set from the peer's SDP max-message-size (0 there means no limit).</summary>
    public int MaxSendMessageSize { get; init; } = 256 * 1024;

    /// <summary>Bytes accepted by Send but not yet acknowledged, over all streams, before Send reports BufferFull (guess: 16 MiB).</summary>
    public long SendBufferLimit { get; init; } = 16L * 1024 * 1024;

    /// <summary>RTO.Initial. RFC 4960 says 3 s, RFC 6298 lowered it to 1 s; we take 1 s.</summary>
    public int RtoInitial { get; init; } = 1000;

    /// <summary>
    /// RTO.Min. RFC 4960 says 1 s; WebRTC stacks use less (dcsctp: 400 ms). 400 ms stays clear of the
    /// 200 ms delayed SACK so a lone packet is not retransmitted spuriously.
    /// </summary>
    public int RtoMin { get; init; } = 400;

    /// <summary>RTO.Max. RFC 4960 says 60 s; 10 s keeps a stalled peer detectable within minutes.</summary>
    public int RtoMax { get; init; } = 10_000;

    /// <summary>Max.Init.Retransmits (RFC 4960 §15: 8).</summary>
    public int MaxInitRetransmits { get; init; } = 8;

    /// <summary>Association.Max.Retrans (RFC 4960 §15: 10).</summary>
    public int MaxAssociationRetransmits { get; init; } = 10;

    /// <summary>Delayed SACK timeout (RFC 4960 §6.2: at most 500 ms, 200 ms recommended).</summary>
    public int DelayedAckTimeout { get; init; } = 200;

    /// <summary>Valid.Cookie.Life (RFC 4960 §15: 60 s).</summary>
    public int CookieLifetime { get; init; } = 60_000;

    /// <summary>Outbound and inbound stream count offered in INIT; WebRTC offers 65535 (RFC 8831 §6.2).</summary>
    public ushort Streams { get; init; } = 65535;

    internal void Validate()
    {
        if (Mtu is < 256 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Mtu), Mtu, "MTU must be 256..65535.");
        }

        if (MaxReceiveMessageSize < 1 || MaxSendMessageSize < 1 || SendBufferLimit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReceiveMessageSize), "Message sizes and the send buffer must be positive.");
        }

        // A message is delivered only once complete, so the window must hold the largest one plus
        // room for the next fragments; otherwise a large message could never finish arriving.
        if ((long)ReceiveWindow < (long)MaxReceiveMessageSize + (4L * Mtu))
        {
            throw new ArgumentOutOfRangeException(nameof(ReceiveWindow), ReceiveWindow, "ReceiveWindow must be at least MaxReceiveMessageSize + 4 * Mtu.");
        }

        if (RtoMin < 1 || RtoInitial < RtoMin || RtoMax < RtoInitial || DelayedAckTimeout < 1 || CookieLifetime < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(RtoInitial), "Need 1 <= RtoMin <= RtoInitial <= RtoMax and positive timers.");
        }

        if (Streams == 0 || MaxInitRetransmits < 1 || MaxAssociationRetransmits < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Streams), "Stream count and retransmit limits must be positive.");
        }
    }
}
