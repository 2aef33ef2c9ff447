using System.Buffers.Binary;

namespace RtcScamp.Transport.WebRtc.Sctp;

/*
 * Sending side: message queue, fragmentation, SACK processing, retransmission and congestion control.
 *
 * A message handed to Send is cut into chunks of at most (MTU - 28) bytes, each copied into a pooled
 * OutgoingChunk and appended to its stream's queue of unsent chunks; streams with unsent data take
 * turns message by message (round robin). A chunk gets its TSN when first written
 * into a packet and then lives in _outstanding, a ring indexed by TSN - (cumulative ack + 1), until
 * the peer's cumulative TSN ack passes it. Gap-acked chunks stay (the peer could in principle renege)
 * but leave the flight size.
 *
 * Congestion control is RFC 4960 §7.2 for one destination:
 *   - cwnd starts at min(4·MTU, max(2·MTU, 4380)), ssthresh at the peer's a_rwnd;
 *   - new data may go out while flight < cwnd (so flight may overshoot cwnd by < 1 chunk) and the
 *     peer's rwnd holds it, or as a single zero-window probe when nothing is in flight (§6.1 rule A);
 *   - slow start (cwnd ≤ ssthresh): each SACK that advances the cumulative ack, when the window was
 *     fully used (flight before the SACK ≥ cwnd − MTU), adds min(newly acked bytes, MTU);
 *   - congestion avoidance: partial_bytes_acked accumulates newly acked bytes (cumulative and gap);
 *     when it reaches cwnd with the window fully used, cwnd += MTU and pba −= cwnd; pba resets to 0
 *     when nothing is outstanding;
 *   - fast retransmit (§7.2.4): miss indications count only below the highest newly acked TSN (HTNA);
 *     the third marks the chunk (once per TSN), and outside fast recovery ssthresh = max(cwnd/2, 4·MTU),
 *     cwnd = ssthresh and fast recovery lasts until the cumulative ack passes the highest TSN sent
 *     when it began; no cwnd growth during fast recovery; the first retransmission packet ignores cwnd;
 *   - T3-rtx expiry (§6.3.3): ssthresh = max(cwnd/2, 4·MTU), cwnd = MTU, RTO doubles, every chunk in
 *     flight is marked for retransmission. A T3 that only guarded a zero-window probe doubles the RTO
 *     but neither collapses cwnd nor counts towards Association.Max.Retrans.
 * RTO follows RFC 6298 (SRTT, RTTVAR, K = 4), one measurement per round trip, never on a
 * retransmitted chunk (Karn), clamped to [RtoMin, RtoMax].
 */
public sealed partial class SctpAssociation
{
    private readonly Stack<OutgoingChunk> _chunkPool = new();
    private readonly Dictionary<ushort, OutgoingStream> _outStreams = [];
    private readonly RingBuffer<OutgoingChunk> _outstanding = new(256);
    private int _fragmentSize;
    private int _maxSendMessageSize;

    // Round-robin queue of streams with unsent chunks; the head stream sends until the end of its
    // current message (without I-DATA a message's fragments must have consecutive TSNs), then
    // moves to the back, so a bulk transfer on one channel cannot starve another.
    private OutgoingStream? _activeHead;
    private OutgoingStream? _activeTail;

    private uint _nextTsn;
    private uint _cumAckTsn;
    private long _flight;
    private long _cwnd;
    private long _ssthresh;
    private long _partialBytesAcked;
    private long _peerRwnd;
    private bool _peerWindowZero;
    private bool _inFastRecovery;
    private uint _fastRecoveryExit;
    private int _retransmitMarked;
    private bool _fastRetransmitNow;
    private long _bufferedTotal;
    private int _errorCount;

    private long _rto;
    private double _srtt;
    private double _rttvar;
    private bool _haveRtt;
    private bool _rttPending;
    private uint _rttTsn;
    private long _rttSentAt;

    /// <summary>Congestion window in bytes (RFC 4960 §7.2).</summary>
    public long CongestionWindow => _cwnd;

    /// <summary>Slow-start threshold in bytes.</summary>
    public long SlowStartThreshold => _ssthresh;

    /// <summary>Bytes sent and neither acknowledged nor marked for retransmission.</summary>
    public long FlightSize => _flight;

    /// <summary>Our view of the peer's receive window (last a_rwnd minus what is in flight since).</summary>
    public long PeerReceiveWindow => _peerRwnd;

    /// <summary>Current retransmission timeout, ms.</summary>
    public long RetransmissionTimeout => _rto;

    /// <summary>Smoothed round-trip time, ms (0 before the first measurement).</summary>
    public double SmoothedRtt => _srtt;

    /// <summary>Bytes accepted by Send and not yet cumulatively acknowledged, all streams.</summary>
    public long BufferedAmount => _bufferedTotal;

    /// <summary>
    /// Largest message Send accepts: the peer's max-message-size from SDP (RFC 8841 §6). Values ≤ 0
    /// mean "no limit" as in SDP and are capped by the send buffer.
    /// </summary>
    public int MaxSendMessageSize
    {
        get => _maxSendMessageSize;
        set => _maxSendMessageSize = value <= 0 ? int.MaxValue : value;
    }

    /// <summary>Bytes of <paramref name="streamId"/> accepted by Send and not yet cumulatively acknowledged.</summary>
    public long GetBufferedAmount(ushort streamId) => _outStreams.TryGetValue(streamId, out OutgoingStream? s) ? s.Buffered : 0;

    /// <summary>A BufferedAmountLow event fires when the stream's buffered amount drops from above to at or below this.</summary>
    public void SetBufferedAmountLowThreshold(ushort streamId, long threshold) => GetStream(streamId).LowThreshold = Math.Max(0, threshold);

    /// <summary>
    /// Queues one message. Messages on one stream arrive in order unless <paramref name="unordered"/>.
    /// Data sent before the association is established waits for it. Empty messages are not
    /// representable in SCTP (DCEP sends one byte with PPID 56/57 instead); passing one throws.
    /// </summary>
    public SctpSendResult Send(ushort streamId, uint ppid, ReadOnlySpan<byte> data, bool unordered = false)
    {
        if (data.IsEmpty)
        {
            ThrowArgument("SCTP cannot carry an empty message.", nameof(data));
        }

        if (_terminated || _state is not (SctpAssociationState.Established or SctpAssociationState.CookieWait or SctpAssociationState.CookieEchoed or SctpAssociationState.Closed))
        {
            return SctpSendResult.NotConnected;
        }

        if (_peerKnown && streamId >= _outboundStreams)
        {
            return SctpSendResult.InvalidStream;
        }

        if (data.Length > _maxSendMessageSize)
        {
            return SctpSendResult.TooLarge;
        }

        if (_bufferedTotal + data.Length > _options.SendBufferLimit)
        {
            return SctpSendResult.BufferFull;
        }

        OutgoingStream stream = GetStream(streamId);
        if (stream.Reset == OutgoingResetState.Queued)
        {
            return SctpSendResult.StreamResetting;
        }

        ushort ssn = unordered ? (ushort)0 : stream.NextSsn++;
        int offset = 0;
        while (offset < data.Length)
        {
            int length = Math.Min(_fragmentSize, data.Length - offset);
            OutgoingChunk chunk = _chunkPool.Count > 0 ? _chunkPool.Pop() : new OutgoingChunk(_fragmentSize);
            data.Slice(offset, length).CopyTo(chunk.Data);
            chunk.Length = length;
            chunk.StreamId = streamId;
            chunk.Ssn = ssn;
            chunk.Ppid = ppid;
            chunk.Stream = stream;
            chunk.Flags = (byte)((offset == 0 ? SctpWire.DataFlagBeginning : 0)
                | (offset + length == data.Length ? SctpWire.DataFlagEnd : 0)
                | (unordered ? SctpWire.DataFlagUnordered : 0));
            if (stream.Tail is null)
            {
                stream.Head = chunk;
            }
            else
            {
                stream.Tail.Next = chunk;
            }

            stream.Tail = chunk;
            stream.Unsent++;
            offset += length;
        }

        if (!stream.Active)
        {
            Activate(stream);
        }

        stream.Buffered += data.Length;
        _bufferedTotal += data.Length;
        return SctpSendResult.Ok;
    }

    private void Activate(OutgoingStream stream)
    {
        stream.Active = true;
        stream.NextActive = null;
        if (_activeTail is null)
        {
            _activeHead = stream;
        }
        else
        {
            _activeTail.NextActive = stream;
        }

        _activeTail = stream;
    }

    private OutgoingChunk? NextUnsent => _activeHead?.Head;

    // Takes the next chunk to get a TSN; rotates the stream to the back after a message's last fragment.
    private OutgoingChunk TakeUnsent()
    {
        OutgoingStream stream = _activeHead!;
        OutgoingChunk chunk = stream.Head!;
        stream.Head = chunk.Next;
        if (stream.Head is null)
        {
            stream.Tail = null;
        }

        chunk.Next = null;
        if ((chunk.Flags & SctpWire.DataFlagEnd) != 0 || stream.Head is null)
        {
            _activeHead = stream.NextActive;
            if (_activeHead is null)
            {
                _activeTail = null;
            }

            stream.NextActive = null;
            stream.Active = false;
            if (stream.Head is not null)
            {
                Activate(stream);
            }
        }

        return chunk;
    }

    private OutgoingStream GetStream(ushort streamId)
    {
        if (!_outStreams.TryGetValue(streamId, out OutgoingStream? stream))
        {
            stream = new OutgoingStream();
            _outStreams.Add(streamId, stream);
        }

        return stream;
    }

    private void InitializeSender()
    {
        _fragmentSize = (_mtu - SctpWire.CommonHeaderLength - SctpWire.DataHeaderLength) & ~3;
        _maxSendMessageSize = _options.MaxSendMessageSize;
        _nextTsn = _myInitialTsn;
        _cumAckTsn = _myInitialTsn - 1;
        _cwnd = Math.Min(4L * _mtu, Math.Max(2L * _mtu, 4380));
        _ssthresh = _options.ReceiveWindow;
        _rto = _options.RtoInitial;
    }

    private void ReleaseSender()
    {
        while (_outstanding.Count > 0)
        {
            ReturnChunk(_outstanding.PopFront());
        }

        while (NextUnsent is not null)
        {
            ReturnChunk(TakeUnsent());
        }

        _flight = 0;
        _retransmitMarked = 0;
        _bufferedTotal = 0;
        foreach (OutgoingStream stream in _outStreams.Values)
        {
            stream.Buffered = 0;
            stream.Unsent = 0;
        }
    }

    private void ReturnChunk(OutgoingChunk chunk)
    {
        chunk.Reset();
        _chunkPool.Push(chunk);
    }

    private bool HasSendableData()
    {
        if (_retransmitMarked > 0)
        {
            return _fastRetransmitNow || _flight < _cwnd;
        }

        OutgoingChunk? next = NextUnsent;
        return next is not null && _flight < _cwnd && (next.Length <= _peerRwnd || _flight == 0);
    }

    /*
     * DATA (RFC 4960 §3.3.1):
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |   Type = 0    | Reserved|U|B|E|    Length                     |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                              TSN                              |
     * |      Stream Identifier S      |   Stream Sequence Number n    |
     * |                  Payload Protocol Identifier                  |
     * |                 User Data (seq n of Stream S)                 |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     */
    private static int WriteDataChunk(Span<byte> packet, int offset, OutgoingChunk chunk)
    {
        int length = SctpWire.DataHeaderLength + chunk.Length;
        int v = SctpPacket.WriteChunkHeader(packet, offset, SctpChunkType.Data, chunk.Flags, length);
        BinaryPrimitives.WriteUInt32BigEndian(packet[v..], chunk.Tsn);
        BinaryPrimitives.WriteUInt16BigEndian(packet[(v + 4)..], chunk.StreamId);
        BinaryPrimitives.WriteUInt16BigEndian(packet[(v + 6)..], chunk.Ssn);
        BinaryPrimitives.WriteUInt32BigEndian(packet[(v + 8)..], chunk.Ppid);
        chunk.Data.AsSpan(0, chunk.Length).CopyTo(packet[(v + 12)..]);
        return SctpPacket.EndChunk(packet, offset, length);
    }

    // Retransmissions first (RFC 4960 §6.1 rule C), then new data in TSN order.
    private int WriteData(Span<byte> packet, int pos)
    {
        if (_retransmitMarked > 0)
        {
            bool ignoreCwnd = _fastRetransmitNow;
            _fastRetransmitNow = false;
            for (int i = 0; i < _outstanding.Count && _retransmitMarked > 0; i++)
            {
                OutgoingChunk chunk = _outstanding[i];
                if (!chunk.NeedsRetransmit)
                {
                    continue;
                }

                if (!ignoreCwnd && _flight >= _cwnd)
                {
                    break;
                }

                if (SctpWire.Pad4(SctpWire.DataHeaderLength + chunk.Length) > packet.Length - pos)
                {
                    break;
                }

                chunk.NeedsRetransmit = false;
                _retransmitMarked--;
                if (_rttPending && chunk.Tsn == _rttTsn)
                {
                    _rttPending = false;
                }

                pos = WriteDataChunk(packet, pos, chunk);
                MarkSent(chunk);
            }

            if (_retransmitMarked > 0)
            {
                return pos;
            }
        }

        OutgoingChunk? next;
        while ((next = NextUnsent) is not null
            && _flight < _cwnd
            && (next.Length <= _peerRwnd || _flight == 0)
            && SctpWire.Pad4(SctpWire.DataHeaderLength + next.Length) <= packet.Length - pos)
        {
            OutgoingChunk chunk = TakeUnsent();
            chunk.Stream.Unsent--;
            chunk.Tsn = _nextTsn++;
            _outstanding.PushBack(chunk);
            if (!_rttPending)
            {
                _rttPending = true;
                _rttTsn = chunk.Tsn;
                _rttSentAt = _now;
            }

            pos = WriteDataChunk(packet, pos, chunk);
            MarkSent(chunk);
        }

        return pos;
    }

    private void MarkSent(OutgoingChunk chunk)
    {
        chunk.InFlight = true;
        chunk.Transmissions++;
        chunk.SentAt = _now;
        chunk.MissIndications = 0;
        _flight += chunk.Length;
        _peerRwnd = Math.Max(0, _peerRwnd - chunk.Length);
        if (!IsArmed(SctpTimer.T3Rtx))
        {
            Arm(SctpTimer.T3Rtx, _now + _rto);
        }
    }

    /*
     * SACK (RFC 4960 §3.3.4):
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |   Type = 3    |Chunk  Flags   |      Chunk Length             |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     * |                      Cumulative TSN Ack                       |
     * |          Advertised Receiver Window Credit (a_rwnd)           |
     * | Number of Gap Ack Blocks = N  |  Number of Duplicate TSNs = X |
     * |  Gap Ack Block #1 Start       |   Gap Ack Block #1 End        |  offsets from the
     * /                              ...                              \  cumulative TSN ack
     * |                       Duplicate TSN 1..X                      |
     * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
     */
    private void HandleSack(ReadOnlySpan<byte> value)
    {
        if (value.Length < 12 || _state < SctpAssociationState.Established)
        {
            DroppedChunks++;
            return;
        }

        int gaps = BinaryPrimitives.ReadUInt16BigEndian(value[8..]);
        int dups = BinaryPrimitives.ReadUInt16BigEndian(value[10..]);
        if (value.Length < 12 + (4 * gaps) + (4 * dups))
        {
            DroppedChunks++;
            return;
        }

        ProcessCumulativeAck(
            BinaryPrimitives.ReadUInt32BigEndian(value),
            BinaryPrimitives.ReadUInt32BigEndian(value[4..]),
            value.Slice(12, 4 * gaps));
    }

    // Shared by SACK and SHUTDOWN (arwnd < 0: keep the current window).
    private void ProcessCumulativeAck(uint cumAck, long arwnd, ReadOnlySpan<byte> gapBlocks)
    {
        if (SctpWire.TsnLess(cumAck, _cumAckTsn) || SctpWire.TsnLess(_nextTsn - 1, cumAck))
        {
            // Stale (reordered) SACK, or one acking TSNs we never sent.
            DroppedChunks++;
            return;
        }

        long flightBefore = _flight;
        long newlyAcked = 0;
        bool cumAdvanced = cumAck != _cumAckTsn;
        bool haveNewest = false;
        uint highestNewlyAcked = 0;

        while (_cumAckTsn != cumAck)
        {
            OutgoingChunk chunk = _outstanding.PopFront();
            _cumAckTsn++;
            if (!chunk.GapAcked)
            {
                newlyAcked += chunk.Length;
                haveNewest = true;
                highestNewlyAcked = chunk.Tsn;
            }

            if (_rttPending && chunk.Tsn == _rttTsn)
            {
                _rttPending = false;
                if (chunk.Transmissions == 1)
                {
                    UpdateRto(_now - _rttSentAt);
                }
            }

            RemoveFromFlight(chunk);
            ReleaseAcked(chunk);
        }

        for (int g = 0; g + 4 <= gapBlocks.Length; g += 4)
        {
            uint start = BinaryPrimitives.ReadUInt16BigEndian(gapBlocks[g..]);
            uint end = BinaryPrimitives.ReadUInt16BigEndian(gapBlocks[(g + 2)..]);
            if (start == 0 || end < start)
            {
                continue;
            }

            // Offsets are relative to cumAck; index i in _outstanding is TSN cumAck + 1 + i.
            int last = (int)Math.Min(end, (uint)_outstanding.Count);
            for (int i = (int)start - 1; i < last; i++)
            {
                OutgoingChunk chunk = _outstanding[i];
                if (chunk.GapAcked)
                {
                    continue;
                }

                chunk.GapAcked = true;
                newlyAcked += chunk.Length;
                RemoveFromFlight(chunk);
                if (chunk.NeedsRetransmit)
                {
                    chunk.NeedsRetransmit = false;
                    _retransmitMarked--;
                }

                if (!haveNewest || SctpWire.TsnLess(highestNewlyAcked, chunk.Tsn))
                {
                    haveNewest = true;
                    highestNewlyAcked = chunk.Tsn;
                }
            }
        }

        if (!gapBlocks.IsEmpty && haveNewest)
        {
            CountMissIndications(highestNewlyAcked);
        }

        if (arwnd >= 0)
        {
            _peerWindowZero = arwnd == 0;
            _peerRwnd = Math.Max(0, arwnd - _flight);
        }

        if (cumAdvanced)
        {
            _errorCount = 0;
            if (!_inFastRecovery)
            {
                GrowCongestionWindow(flightBefore, newlyAcked);
            }

            if (_outstanding.Count == 0)
            {
                _partialBytesAcked = 0;
                Disarm(SctpTimer.T3Rtx);
            }
            else
            {
                Arm(SctpTimer.T3Rtx, _now + _rto);
            }
        }

        if (_inFastRecovery && SctpWire.TsnLessOrEqual(_fastRecoveryExit, _cumAckTsn))
        {
            _inFastRecovery = false;
        }

        CheckShutdownProgress();
    }

    private void GrowCongestionWindow(long flightBefore, long newlyAcked)
    {
        bool fullyUsed = flightBefore >= _cwnd - _mtu;
        if (_cwnd <= _ssthresh)
        {
            if (fullyUsed)
            {
                _cwnd += Math.Min(newlyAcked, _mtu);
            }

            return;
        }

        _partialBytesAcked += newlyAcked;
        if (_partialBytesAcked >= _cwnd && fullyUsed)
        {
            _partialBytesAcked -= _cwnd;
            _cwnd += _mtu;
        }
    }

    private void CountMissIndications(uint highestNewlyAcked)
    {
        for (int i = 0; i < _outstanding.Count; i++)
        {
            OutgoingChunk chunk = _outstanding[i];
            if (!SctpWire.TsnLess(chunk.Tsn, highestNewlyAcked))
            {
                break;
            }

            if (chunk.GapAcked || !chunk.InFlight || chunk.FastRetransmitted)
            {
                continue;
            }

            if (++chunk.MissIndications < 3)
            {
                continue;
            }

            chunk.FastRetransmitted = true;
            MarkForRetransmit(chunk);
            _fastRetransmitNow = true;
            if (!_inFastRecovery)
            {
                _inFastRecovery = true;
                _fastRecoveryExit = _nextTsn - 1;
                _ssthresh = Math.Max(_cwnd / 2, 4L * _mtu);
                _cwnd = _ssthresh;
                _partialBytesAcked = 0;
            }
        }
    }

    private void MarkForRetransmit(OutgoingChunk chunk)
    {
        RemoveFromFlight(chunk);
        if (!chunk.NeedsRetransmit)
        {
            chunk.NeedsRetransmit = true;
            _retransmitMarked++;
        }
    }

    private void RemoveFromFlight(OutgoingChunk chunk)
    {
        if (chunk.InFlight)
        {
            chunk.InFlight = false;
            _flight -= chunk.Length;
        }
    }

    private void ReleaseAcked(OutgoingChunk chunk)
    {
        if (chunk.NeedsRetransmit)
        {
            _retransmitMarked--;
        }

        OutgoingStream stream = chunk.Stream;
        long before = stream.Buffered;
        stream.Buffered -= chunk.Length;
        _bufferedTotal -= chunk.Length;
        if (before > stream.LowThreshold && stream.Buffered <= stream.LowThreshold)
        {
            _events.PushBack(new SctpEvent(SctpEventKind.BufferedAmountLow, chunk.StreamId));
        }

        ReturnChunk(chunk);
    }

    private void OnRetransmissionTimeout()
    {
        if (_outstanding.Count == 0)
        {
            return;
        }

        bool probe = _peerWindowZero;
        if (!probe && ++_errorCount > _options.MaxAssociationRetransmits)
        {
            _sendAbort = true;
            Terminate(SctpCloseReason.RetransmitLimit);
            return;
        }

        if (!probe)
        {
            _ssthresh = Math.Max(_cwnd / 2, 4L * _mtu);
            _cwnd = _mtu;
            _partialBytesAcked = 0;
        }

        _rto = Math.Min(_rto * 2, _options.RtoMax);
        _inFastRecovery = false;
        _rttPending = false;
        int marked = 0;
        for (int i = 0; i < _outstanding.Count; i++)
        {
            OutgoingChunk chunk = _outstanding[i];
            if (chunk.InFlight)
            {
                MarkForRetransmit(chunk);
                marked++;
            }
        }

        if (marked == 0 && _retransmitMarked == 0)
        {
            // Everything outstanding was gap-acked yet the cumulative ack never moved: treat the gap
            // acks as reneged and send it all again rather than stall.
            for (int i = 0; i < _outstanding.Count; i++)
            {
                OutgoingChunk chunk = _outstanding[i];
                chunk.GapAcked = false;
                MarkForRetransmit(chunk);
            }
        }

        Arm(SctpTimer.T3Rtx, _now + _rto);
    }

    // RFC 6298 §2 with alpha = 1/8, beta = 1/4, K = 4, G = 1 ms.
    private void UpdateRto(long sample)
    {
        double r = Math.Max(0, sample);
        if (!_haveRtt)
        {
            _srtt = r;
            _rttvar = r / 2;
            _haveRtt = true;
        }
        else
        {
            _rttvar = (0.75 * _rttvar) + (0.25 * Math.Abs(_srtt - r));
            _srtt = (0.875 * _srtt) + (0.125 * r);
        }

        long rto = (long)Math.Ceiling(_srtt + Math.Max(1, 4 * _rttvar));
        _rto = Math.Clamp(rto, _options.RtoMin, _options.RtoMax);
    }
}
