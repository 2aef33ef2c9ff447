using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace RtcScamp.Transport.WebRtc.Sctp;

/// <summary>
/// One SCTP association (RFC 4960) as WebRTC runs it over DTLS (RFC 8261): single-homed, one peer,
/// RE-CONFIG stream reset (RFC 6525), no partial reliability. Sans-IO: feed datagrams with
/// <see cref="HandlePacket"/> and timer expiry with <see cref="HandleTimeout"/>, then drain
/// <see cref="PollTransmit(Span{byte})"/> (one SCTP packet per call, to be sent as one DTLS record)
/// and <see cref="PollEvent"/>, and sleep until <see cref="PollTimeout"/>. Time is milliseconds on
/// the caller's monotonic clock. Not thread-safe: one driver owns it.
/// <para>
/// Randomness (verification tag, initial TSN, cookie key) comes from the <c>seed</c> bytes given to
/// the constructor; pass 32 bytes from a CSPRNG in production and fixed bytes in tests.
/// </para>
/// </summary>
public sealed partial class SctpAssociation
{
    private const int CookieLength = 48;
    private const int CookieMacLength = 16;
    private const int MaxPeerCookieLength = 1024;
    private const int MaxHeartbeatInfoLength = 512;

    private readonly SctpAssociationOptions _options;
    private readonly byte[] _cookieKey = new byte[32];
    private readonly uint _myTag;
    private readonly uint _myInitialTsn;
    private readonly int _mtu;

    private readonly long[] _timers = new long[(int)SctpTimer.Count];
    private readonly RingBuffer<SctpEvent> _events = new(16);

    private SctpAssociationState _state;
    private bool _terminated;
    private bool _peerKnown;
    private long _now;

    private uint _peerTag;
    private bool _peerSupportsReconfig;
    private ushort _outboundStreams;
    private ushort _inboundStreams;

    private long _t1Rto;
    private int _initRetransmits;
    private int _shutdownRetransmits;

    private bool _sendInit;
    private bool _sendCookieEcho;
    private bool _sendCookieAck;
    private bool _sendShutdown;
    private bool _sendShutdownAck;
    private bool _sendShutdownComplete;
    private bool _shutdownCompleteReflected;
    private bool _sendAbort;

    private readonly byte[] _peerCookie = new byte[MaxPeerCookieLength];
    private int _peerCookieLength;
    private readonly byte[] _initAck = new byte[64 + CookieLength];
    private int _initAckLength;
    private uint _initAckTag;
    private readonly byte[] _heartbeatInfo = new byte[MaxHeartbeatInfoLength];
    private int _heartbeatInfoLength = -1;

    /// <summary>Creates an association in <see cref="SctpAssociationState.Closed"/>.</summary>
    /// <param name="options">Settings; validated here.</param>
    /// <param name="seed">At least 16 random bytes: source of the tag, the initial TSN and the cookie key.</param>
    public SctpAssociation(SctpAssociationOptions options, ReadOnlySpan<byte> seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (seed.Length < 16)
        {
            ThrowSeedTooShort();
        }

        _options = options;
        _mtu = options.Mtu;
        Span<byte> material = stackalloc byte[32];
        HMACSHA256.HashData(seed, "sctp-cookie-key"u8, _cookieKey);
        HMACSHA256.HashData(seed, "sctp-tag-and-tsn"u8, material);
        _myTag = BinaryPrimitives.ReadUInt32BigEndian(material);
        if (_myTag == 0)
        {
            _myTag = 1;
        }

        _myInitialTsn = BinaryPrimitives.ReadUInt32BigEndian(material[4..]);
        _t1Rto = options.RtoInitial;
        Array.Fill(_timers, long.MaxValue);
        InitializeSender();
        InitializeReceiver();
        InitializeReconfig();
    }

    /// <summary>The RFC 4960 state.</summary>
    public SctpAssociationState State => _state;

    /// <summary>True once the association has ended (ABORT, SHUTDOWN done or timers exhausted); it then ignores input.</summary>
    public bool IsTerminated => _terminated;

    /// <summary>Streams we may send on: min(our OS, peer's MIS).</summary>
    public ushort OutboundStreams => _outboundStreams;

    /// <summary>Streams the peer may send on: min(our MIS, peer's OS).</summary>
    public ushort InboundStreams => _inboundStreams;

    /// <summary>Whether the peer listed RE-CONFIG in its Supported Extensions.</summary>
    public bool PeerSupportsReconfig => _peerSupportsReconfig;

    /// <summary>Packets dropped for bad checksum, framing, ports or verification tag.</summary>
    public long DroppedPackets { get; private set; }

    /// <summary>Chunks ignored because they were malformed or illegal in the current state.</summary>
    public long DroppedChunks { get; private set; }

    /// <summary>Our verification tag (what the peer must put in packets to us).</summary>
    internal uint LocalVerificationTag => _myTag;

    /// <summary>Our initial TSN, which is also our first RE-CONFIG request sequence number.</summary>
    internal uint LocalInitialTsn => _myInitialTsn;

    /// <summary>Starts the handshake by sending INIT (both WebRTC peers do this, so INITs usually collide).</summary>
    public void Connect(long now)
    {
        _now = now;
        if (_state != SctpAssociationState.Closed || _terminated)
        {
            ThrowInvalidState("Connect needs a fresh association.");
        }

        SetState(SctpAssociationState.CookieWait);
        _sendInit = true;
        _t1Rto = _options.RtoInitial;
        Arm(SctpTimer.T1Init, now + _t1Rto);
    }

    /// <summary>
    /// Graceful close (RFC 4960 §9.2): queued data is still delivered, then SHUTDOWN / SHUTDOWN-ACK /
    /// SHUTDOWN-COMPLETE. Before the handshake finishes this aborts instead.
    /// </summary>
    public void Shutdown(long now)
    {
        _now = now;
        switch (_state)
        {
            case SctpAssociationState.Established:
                SetState(SctpAssociationState.ShutdownPending);
                CheckShutdownProgress();
                break;
            case SctpAssociationState.CookieWait:
            case SctpAssociationState.CookieEchoed:
                Abort(now);
                break;
        }
    }

    /// <summary>Sends ABORT (when the peer is known) and ends the association at once.</summary>
    public void Abort(long now)
    {
        _now = now;
        if (_terminated)
        {
            return;
        }

        _sendAbort = _peerKnown;
        Terminate(SctpCloseReason.LocalAbort);
    }

    /// <summary>Next event, in order: Established, Message (read it with <see cref="ReadMessage"/>), stream resets, Closed.</summary>
    public bool PollEvent(out SctpEvent ev)
    {
        DiscardUnreadMessage();
        if (_events.Count == 0)
        {
            ev = default;
            return false;
        }

        ev = _events.PopFront();
        if (ev.Kind == SctpEventKind.Message)
        {
            _messageUnread = true;
        }

        return true;
    }

    /// <summary>Earliest armed timer (absolute ms), or <see cref="long.MaxValue"/> when none is armed.</summary>
    public long PollTimeout()
    {
        long min = long.MaxValue;
        foreach (long t in _timers)
        {
            min = Math.Min(min, t);
        }

        return min;
    }

    /// <summary>Fires every timer due at <paramref name="now"/>.</summary>
    public void HandleTimeout(long now)
    {
        _now = now;
        for (int i = 0; i < _timers.Length; i++)
        {
            if (_timers[i] <= now)
            {
                _timers[i] = long.MaxValue;
                if (!_terminated)
                {
                    OnTimer((SctpTimer)i);
                }
            }
        }
    }

    /// <summary>
    /// Processes one SCTP packet (one DTLS application-data record). Bad packets are dropped and
    /// counted in <see cref="DroppedPackets"/>; nothing the peer sends makes this throw.
    /// </summary>
    public void HandlePacket(ReadOnlySpan<byte> packet, long now)
    {
        _now = now;
        if (_terminated)
        {
            AnswerAfterTermination(packet);
            return;
        }

        if (SctpPacket.Validate(packet) != SctpPacket.Check.Ok
            || SctpPacket.DestinationPort(packet) != _options.LocalPort
            || SctpPacket.SourcePort(packet) != _options.RemotePort)
        {
            DroppedPackets++;
            return;
        }

        uint tag = SctpPacket.VerificationTag(packet);
        var first = new SctpChunkReader(packet);
        first.MoveNext();
        if (!AcceptTag(packet, tag, (SctpChunkType)first.Type, first.Flags))
        {
            DroppedPackets++;
            return;
        }

        bool hadData = false;
        var reader = new SctpChunkReader(packet);
        while (!_terminated && reader.MoveNext())
        {
            var type = (SctpChunkType)reader.Type;
            if (!HandleChunk(type, reader.Flags, reader.Value, ref hadData))
            {
                break;
            }
        }

        if (hadData && !_terminated)
        {
            AfterDataPacket();
        }
    }

    // RFC 4960 §8.4 rule 5: a SHUTDOWN-ACK that arrives after we finished (our SHUTDOWN-COMPLETE
    // was lost) is answered with a SHUTDOWN-COMPLETE carrying the received tag and the T bit, so
    // the peer need not wait for its retransmission limit. Everything else is ignored.
    private void AnswerAfterTermination(ReadOnlySpan<byte> packet)
    {
        if (_peerKnown
            && SctpPacket.Validate(packet) == SctpPacket.Check.Ok
            && SctpPacket.VerificationTag(packet) == _myTag
            && packet[SctpWire.CommonHeaderLength] == (byte)SctpChunkType.ShutdownAck)
        {
            _sendShutdownComplete = true;
            _shutdownCompleteReflected = true;
        }
    }

    // INIT travels with tag 0 and alone; ABORT and SHUTDOWN-COMPLETE with the T bit carry the
    // sender's own tag; everything else must carry ours (RFC 4960 §8.5, §8.5.1).
    private bool AcceptTag(ReadOnlySpan<byte> packet, uint tag, SctpChunkType firstType, byte firstFlags)
    {
        if (firstType == SctpChunkType.Init)
        {
            int chunkLength = BinaryPrimitives.ReadUInt16BigEndian(packet[14..]);
            return tag == 0 && SctpWire.Pad4(chunkLength) >= packet.Length - SctpWire.CommonHeaderLength;
        }

        if (firstType is SctpChunkType.Abort or SctpChunkType.ShutdownComplete
            && (firstFlags & SctpWire.FlagTagReflected) != 0)
        {
            return _peerKnown && tag == _peerTag;
        }

        return tag == _myTag;
    }

    private bool HandleChunk(SctpChunkType type, byte flags, ReadOnlySpan<byte> value, ref bool hadData)
    {
        switch (type)
        {
            case SctpChunkType.Data:
                if (_peerKnown && _state != SctpAssociationState.CookieWait)
                {
                    ImpliedCookieAck();
                    hadData = true;
                    HandleData(flags, value);
                }
                else
                {
                    DroppedChunks++;
                }

                return true;
            case SctpChunkType.Init:
                HandleInit(value);
                return false;
            case SctpChunkType.InitAck:
                HandleInitAck(value);
                return true;
            case SctpChunkType.Sack:
                ImpliedCookieAck();
                HandleSack(value);
                return true;
            case SctpChunkType.Heartbeat:
                HandleHeartbeat(value);
                return true;
            case SctpChunkType.Abort:
                if (_state != SctpAssociationState.Closed)
                {
                    Terminate(SctpCloseReason.PeerAbort);
                }

                return false;
            case SctpChunkType.Shutdown:
                HandleShutdown(value);
                return true;
            case SctpChunkType.ShutdownAck:
                HandleShutdownAck();
                return true;
            case SctpChunkType.CookieEcho:
                HandleCookieEcho(value);
                return true;
            case SctpChunkType.CookieAck:
                HandleCookieAck();
                return true;
            case SctpChunkType.ShutdownComplete:
                if (_state == SctpAssociationState.ShutdownAckSent)
                {
                    Terminate(SctpCloseReason.Shutdown);
                }

                return false;
            case SctpChunkType.ReConfig:
                if (_peerKnown && _state >= SctpAssociationState.Established)
                {
                    HandleReconfig(value);
                }

                return true;
            case SctpChunkType.HeartbeatAck:
            case SctpChunkType.Error:
                return true;
            default:
                // RFC 4960 §3.2: the two high bits of an unknown type say whether to skip it (1x)
                // or stop processing the packet (0x). We do not report unrecognized chunks.
                DroppedChunks++;
                return ((byte)type & 0x80) != 0;
        }
    }

    /*
     * INIT and INIT-ACK (RFC 4960 §3.3.2, §3.3.3):
     *  0                   1                   2                   3
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |   Type = 1/2  |  Chunk Flags  |      Chunk Length             |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                         Initiate Tag                          |
     * |           Advertised Receiver Window Credit (a_rwnd)          |
     * |  Number of Outbound Streams   |  Number of Inbound Streams    |
     * |                          Initial TSN                          |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * | [INIT-ACK: State Cookie param 7]  Supported Extensions 0x8008 |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * We list only RE-CONFIG (0x82) and do not send Forward-TSN-Supported: no partial reliability.
     */
    private int WriteInitChunk(Span<byte> buffer, int offset, SctpChunkType type, ReadOnlySpan<byte> cookie)
    {
        int length = SctpWire.ChunkHeaderLength + 16 + (cookie.IsEmpty ? 0 : 4 + cookie.Length) + 5;
        int v = SctpPacket.WriteChunkHeader(buffer, offset, type, 0, length);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[v..], _myTag);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[(v + 4)..], (uint)_options.ReceiveWindow);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(v + 8)..], _options.Streams);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(v + 10)..], _options.Streams);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[(v + 12)..], _myInitialTsn);
        int p = v + 16;
        if (!cookie.IsEmpty)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer[p..], SctpWire.ParamStateCookie);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(p + 2)..], (ushort)(4 + cookie.Length));
            cookie.CopyTo(buffer[(p + 4)..]);
            p += SctpWire.Pad4(4 + cookie.Length);
        }

        BinaryPrimitives.WriteUInt16BigEndian(buffer[p..], SctpWire.ParamSupportedExtensions);
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(p + 2)..], 5);
        buffer[p + 4] = (byte)SctpChunkType.ReConfig;
        return SctpPacket.EndChunk(buffer, offset, length);
    }

    private readonly record struct PeerInit(uint Tag, uint Rwnd, ushort OutboundStreams, ushort InboundStreams, uint InitialTsn, bool Reconfig);

    private static bool TryReadInit(ReadOnlySpan<byte> value, out PeerInit init, out ReadOnlySpan<byte> cookie)
    {
        cookie = default;
        init = default;
        if (value.Length < 16)
        {
            return false;
        }

        bool reconfig = false;
        var parameters = new SctpParameterReader(value[16..]);
        while (parameters.MoveNext())
        {
            if (parameters.Type == SctpWire.ParamStateCookie)
            {
                cookie = parameters.Value;
            }
            else if (parameters.Type == SctpWire.ParamSupportedExtensions)
            {
                reconfig |= parameters.Value.Contains((byte)SctpChunkType.ReConfig);
            }
            else if ((parameters.Type & 0x8000) == 0 && !IsKnownIgnoredParameter(parameters.Type))
            {
                // Unknown with the high bit clear: stop processing further parameters (RFC 4960 §3.2.1).
                break;
            }
        }

        init = new PeerInit(
            BinaryPrimitives.ReadUInt32BigEndian(value),
            BinaryPrimitives.ReadUInt32BigEndian(value[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(value[8..]),
            BinaryPrimitives.ReadUInt16BigEndian(value[10..]),
            BinaryPrimitives.ReadUInt32BigEndian(value[12..]),
            reconfig);
        return init.Tag != 0 && init.OutboundStreams != 0 && init.InboundStreams != 0;
    }

    // Parameters RFC 4960 defines that a single-homed, address-free endpoint has no use for: IPv4 (5),
    // IPv6 (6), Cookie Preservative (9), Host Name (11), Supported Address Types (12). usrsctp
    // (Firefox) sends some of them before Supported Extensions, so they must not stop processing.
    private static bool IsKnownIgnoredParameter(ushort type) => type is 5 or 6 or 9 or 11 or 12;

    // RFC 4960 §5.1 / §5.2.1 / §5.2.2: answer an INIT in CLOSED, COOKIE-WAIT, COOKIE-ECHOED and
    // ESTABLISHED alike with an INIT-ACK carrying our one tag and initial TSN, so colliding INITs
    // converge on a single pair of tags. No state is kept; everything lives in the signed cookie.
    private void HandleInit(ReadOnlySpan<byte> value)
    {
        if (!TryReadInit(value, out PeerInit init, out _) || _state > SctpAssociationState.Established)
        {
            DroppedChunks++;
            return;
        }

        Span<byte> cookie = stackalloc byte[CookieLength];
        BinaryPrimitives.WriteUInt32BigEndian(cookie, _myTag);
        BinaryPrimitives.WriteUInt32BigEndian(cookie[4..], init.Tag);
        BinaryPrimitives.WriteUInt32BigEndian(cookie[8..], init.InitialTsn);
        BinaryPrimitives.WriteUInt32BigEndian(cookie[12..], init.Rwnd);
        BinaryPrimitives.WriteUInt16BigEndian(cookie[16..], init.OutboundStreams);
        BinaryPrimitives.WriteUInt16BigEndian(cookie[18..], init.InboundStreams);
        BinaryPrimitives.WriteUInt32BigEndian(cookie[20..], init.Reconfig ? 1u : 0u);
        BinaryPrimitives.WriteInt64BigEndian(cookie[24..], _now);
        SignCookie(cookie[..32], cookie[32..]);
        _initAckLength = WriteInitChunk(_initAck, 0, SctpChunkType.InitAck, cookie);
        _initAckTag = init.Tag;
    }

    /*
     * State Cookie (opaque to the peer, 48 bytes):
     * | our tag (4) | peer tag (4) | peer initial TSN (4) | peer a_rwnd (4) |
     * | peer OS (2) | peer MIS (2) | flags: bit0 peer RE-CONFIG (4) | created at, ms (8) |
     * | HMAC-SHA256(key, first 32 bytes) truncated to 16 |
     */
    private void SignCookie(ReadOnlySpan<byte> body, Span<byte> mac)
    {
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(_cookieKey, body, full);
        full[..CookieMacLength].CopyTo(mac);
    }

    private bool TryOpenCookie(ReadOnlySpan<byte> cookie, out PeerInit init)
    {
        init = default;
        if (cookie.Length != CookieLength)
        {
            return false;
        }

        Span<byte> mac = stackalloc byte[CookieMacLength];
        SignCookie(cookie[..32], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, cookie[32..]))
        {
            return false;
        }

        long created = BinaryPrimitives.ReadInt64BigEndian(cookie[24..]);
        if (BinaryPrimitives.ReadUInt32BigEndian(cookie) != _myTag || created > _now || _now - created > _options.CookieLifetime)
        {
            return false;
        }

        init = new PeerInit(
            BinaryPrimitives.ReadUInt32BigEndian(cookie[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(cookie[12..]),
            BinaryPrimitives.ReadUInt16BigEndian(cookie[16..]),
            BinaryPrimitives.ReadUInt16BigEndian(cookie[18..]),
            BinaryPrimitives.ReadUInt32BigEndian(cookie[8..]),
            (BinaryPrimitives.ReadUInt32BigEndian(cookie[20..]) & 1) != 0);
        return init.Tag != 0;
    }

    private void HandleInitAck(ReadOnlySpan<byte> value)
    {
        if (_state != SctpAssociationState.CookieWait
            || !TryReadInit(value, out PeerInit init, out ReadOnlySpan<byte> cookie)
            || cookie.IsEmpty || cookie.Length > Math.Min(MaxPeerCookieLength, _mtu - 64))
        {
            DroppedChunks++;
            return;
        }

        SetPeer(init);
        cookie.CopyTo(_peerCookie);
        _peerCookieLength = cookie.Length;
        _sendCookieEcho = true;
        Disarm(SctpTimer.T1Init);
        _initRetransmits = 0;
        _t1Rto = _options.RtoInitial;
        Arm(SctpTimer.T1Cookie, _now + _t1Rto);
        SetState(SctpAssociationState.CookieEchoed);
    }

    // RFC 4960 §5.2.4, reduced to the cases that a single-tag endpoint can meet: the cookie must carry
    // our tag (else it is stale or forged and dropped). Before ESTABLISHED it completes the handshake
    // (the normal passive side, or case D of an INIT collision); in ESTABLISHED a cookie with the
    // current peer tag means our COOKIE-ACK was lost and is sent again. A peer restart (new peer tag
    // while established) is not supported and its cookie is dropped.
    private void HandleCookieEcho(ReadOnlySpan<byte> value)
    {
        if (!TryOpenCookie(value, out PeerInit init))
        {
            DroppedChunks++;
            return;
        }

        switch (_state)
        {
            case SctpAssociationState.Closed:
            case SctpAssociationState.CookieWait:
                SetPeer(init);
                EnterEstablished();
                _sendCookieAck = true;
                break;
            case SctpAssociationState.CookieEchoed:
                if (init.Tag != _peerTag)
                {
                    SetPeer(init);
                }

                EnterEstablished();
                _sendCookieAck = true;
                break;
            default:
                if (init.Tag == _peerTag)
                {
                    _sendCookieAck = true;
                }
                else
                {
                    DroppedChunks++;
                }

                break;
        }
    }

    // The peer sends DATA or SACK with our tag only after it accepted our COOKIE-ECHO, so in
    // COOKIE-ECHOED they prove the COOKIE-ACK was lost: establish now instead of waiting a T1-cookie
    // timeout (a deliberate shortcut; RFC 4960 waits for the retransmitted COOKIE-ECHO's answer).
    private void ImpliedCookieAck()
    {
        if (_state == SctpAssociationState.CookieEchoed)
        {
            EnterEstablished();
        }
    }

    private void HandleCookieAck()
    {
        if (_state == SctpAssociationState.CookieEchoed)
        {
            EnterEstablished();
        }
    }

    private void SetPeer(in PeerInit init)
    {
        _peerKnown = true;
        _peerTag = init.Tag;
        _peerSupportsReconfig = init.Reconfig;
        _outboundStreams = Math.Min(_options.Streams, init.InboundStreams);
        _inboundStreams = Math.Min(_options.Streams, init.OutboundStreams);
        _peerRwnd = init.Rwnd;
        _ssthresh = Math.Max(init.Rwnd, 4L * _mtu);
        ResetReceiver(init.InitialTsn);
    }

    private void EnterEstablished()
    {
        Disarm(SctpTimer.T1Init);
        Disarm(SctpTimer.T1Cookie);
        _sendInit = false;
        _sendCookieEcho = false;
        SetState(SctpAssociationState.Established);
        _events.PushBack(new SctpEvent(SctpEventKind.Established));
    }

    /*
     * HEARTBEAT / HEARTBEAT-ACK (RFC 4960 §3.3.5, §3.3.6): the ACK echoes the Heartbeat Info
     * parameter unchanged. We answer but do not originate heartbeats: ICE consent freshness
     * (RFC 7675) already proves the path is alive.
     */
    private void HandleHeartbeat(ReadOnlySpan<byte> value)
    {
        if (!_peerKnown || value.Length < 4 || value.Length > MaxHeartbeatInfoLength)
        {
            DroppedChunks++;
            return;
        }

        value.CopyTo(_heartbeatInfo);
        _heartbeatInfoLength = value.Length;
    }

    // SHUTDOWN carries a cumulative TSN ack (RFC 4960 §3.3.8, §9.2).
    private void HandleShutdown(ReadOnlySpan<byte> value)
    {
        if (value.Length < 4 || _state < SctpAssociationState.Established)
        {
            DroppedChunks++;
            return;
        }

        ProcessCumulativeAck(BinaryPrimitives.ReadUInt32BigEndian(value), arwnd: -1, gapBlocks: default);
        switch (_state)
        {
            case SctpAssociationState.Established:
            case SctpAssociationState.ShutdownPending:
                SetState(SctpAssociationState.ShutdownReceived);
                CheckShutdownProgress();
                break;
            case SctpAssociationState.ShutdownSent:
                // Both sides sent SHUTDOWN: answer with SHUTDOWN-ACK (RFC 4960 §9.2).
                Disarm(SctpTimer.T2Shutdown);
                _sendShutdown = false;
                _sendShutdownAck = true;
                SetState(SctpAssociationState.ShutdownAckSent);
                Arm(SctpTimer.T2Shutdown, _now + _rto);
                break;
            case SctpAssociationState.ShutdownAckSent:
                _sendShutdownAck = true;
                break;
        }
    }

    private void HandleShutdownAck()
    {
        if (_state is SctpAssociationState.ShutdownSent or SctpAssociationState.ShutdownAckSent)
        {
            _sendShutdownComplete = true;
            Terminate(SctpCloseReason.Shutdown);
        }
    }

    // Moves a closing association forward once everything we sent is acknowledged.
    private void CheckShutdownProgress()
    {
        if (_outstanding.Count != 0 || NextUnsent is not null)
        {
            return;
        }

        if (_state == SctpAssociationState.ShutdownPending)
        {
            _sendShutdown = true;
            _shutdownRetransmits = 0;
            SetState(SctpAssociationState.ShutdownSent);
            Arm(SctpTimer.T2Shutdown, _now + _rto);
        }
        else if (_state == SctpAssociationState.ShutdownReceived)
        {
            _sendShutdownAck = true;
            _shutdownRetransmits = 0;
            SetState(SctpAssociationState.ShutdownAckSent);
            Arm(SctpTimer.T2Shutdown, _now + _rto);
        }
    }

    private void OnTimer(SctpTimer timer)
    {
        switch (timer)
        {
            case SctpTimer.T1Init:
            case SctpTimer.T1Cookie:
                if (++_initRetransmits > _options.MaxInitRetransmits)
                {
                    Terminate(SctpCloseReason.HandshakeTimeout);
                    return;
                }

                _t1Rto = Math.Min(_t1Rto * 2, _options.RtoMax);
                if (timer == SctpTimer.T1Init)
                {
                    _sendInit = true;
                }
                else
                {
                    _sendCookieEcho = true;
                }

                Arm(timer, _now + _t1Rto);
                break;
            case SctpTimer.T2Shutdown:
                if (++_shutdownRetransmits > _options.MaxAssociationRetransmits)
                {
                    _sendAbort = true;
                    Terminate(SctpCloseReason.RetransmitLimit);
                    return;
                }

                _rto = Math.Min(_rto * 2, _options.RtoMax);
                _sendShutdown = _state == SctpAssociationState.ShutdownSent;
                _sendShutdownAck = _state == SctpAssociationState.ShutdownAckSent;
                Arm(timer, _now + _rto);
                break;
            case SctpTimer.T3Rtx:
                OnRetransmissionTimeout();
                break;
            case SctpTimer.DelayedAck:
                _sackNow = true;
                break;
            case SctpTimer.Reconfig:
                OnReconfigTimeout();
                break;
        }
    }

    private void Terminate(SctpCloseReason reason)
    {
        if (_terminated)
        {
            return;
        }

        _terminated = true;
        SetState(SctpAssociationState.Closed);
        Array.Fill(_timers, long.MaxValue);
        _sendInit = _sendCookieEcho = _sendCookieAck = _sendShutdown = _sendShutdownAck = false;
        _initAckLength = 0;
        _heartbeatInfoLength = -1;
        ReleaseSender();
        ReleaseReceiver();
        _rxPool.Clear();
        _chunkPool.Clear();
        _events.PushBack(new SctpEvent(SctpEventKind.Closed, CloseReason: reason));
    }

    private void SetState(SctpAssociationState state) => _state = state;

    private void Arm(SctpTimer timer, long at) => _timers[(int)timer] = at;

    private void Disarm(SctpTimer timer) => _timers[(int)timer] = long.MaxValue;

    private bool IsArmed(SctpTimer timer) => _timers[(int)timer] != long.MaxValue;

    [DoesNotReturn]
    private static void ThrowSeedTooShort() => throw new ArgumentException("Seed must be at least 16 bytes.", "seed");

    [DoesNotReturn]
    private static void ThrowInvalidState(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn]
    private static void ThrowArgument(string message, string name) => throw new ArgumentException(message, name);

    private enum SctpTimer
    {
        T1Init,
        T1Cookie,
        T2Shutdown,
        T3Rtx,
        DelayedAck,
        Reconfig,
        Count,
    }
}
