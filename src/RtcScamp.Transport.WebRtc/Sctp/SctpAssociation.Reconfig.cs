using System.Buffers.Binary;

namespace RtcScamp.Transport.WebRtc.Sctp;

/*
 * Stream reset with RE-CONFIG (RFC 6525), the way WebRTC closes a data channel (RFC 8831 §6.7):
 * the closing side resets its outgoing stream; the other side, on seeing the incoming reset, resets
 * its own outgoing stream too; the channel is closed when both directions are reset.
 *
 * Outgoing: ResetStream queues stream ids. When no request is outstanding and every chunk of those
 * streams has a TSN, one Outgoing SSN Reset Request goes out (sequence numbers start at our initial
 * TSN) naming the last TSN assigned, and the streams' SSNs restart at 0 for whatever is sent after
 * it (the peer resets its side at that TSN). It is resent on RTO until a response arrives; "in
 * progress" means resend later; success reports OutgoingStreamReset. Send on a stream is refused
 * only between ResetStream and the request going out.
 *
 * Incoming: a request with the next sequence number is performed at once when every TSN up to
 * its "last assigned TSN" has arrived; otherwise we answer "in progress", remember it, perform it
 * when the cumulative TSN gets there and then send the final response unprompted. After "in
 * progress" the sender may retry with the same or (as dcsctp does) the next sequence number; a
 * retry of a request already performed is answered without resetting twice. A repeat of a finished
 * request gets its result again; any other sequence number gets "bad sequence number".
 * Incoming SSN Reset Requests (asking us to reset our outgoing streams) are denied; WebRTC does
 * not use them.
 *
 *  Outgoing SSN Reset Request (13)          Re-configuration Response (16)
 * +-------------------------------+        +-------------------------------+
 * | Type = 13     | Length=16+2N  |        | Type = 16     | Length = 12   |
 * | Request Sequence Number       |        | Response Sequence Number      |
 * | Response Sequence Number      |        | Result                        |
 * | Sender's Last Assigned TSN    |        +-------------------------------+
 * | Stream 1      | Stream 2 ...  |
 * +-------------------------------+
 */
public sealed partial class SctpAssociation
{
    private const int MaxStreamsPerRequest = 256;
    private const int MaxPendingResponses = 8;

    private readonly List<ushort> _resetQueue = [];
    private readonly ushort[] _requestStreams = new ushort[MaxStreamsPerRequest];
    private int _requestStreamCount;
    private bool _requestOutstanding;
    private bool _sendRequest;
    private uint _requestSeq;
    private uint _requestLastTsn;
    private uint _nextRequestSeq;

    // Sequence number of the last peer request evaluated (initially the peer's initial TSN − 1) and
    // what we answered.
    private uint _lastPeerRequestSeq;
    private ReconfigResult _lastPeerResult;

    // Streams reset by deferred processing when the cumulative TSN got there, so a later retry of
    // the same request (same last TSN and streams) is answered without resetting twice.
    private bool _performedValid;
    private uint _performedLastTsn;
    private readonly ushort[] _performedStreams = new ushort[MaxStreamsPerRequest];
    private int _performedStreamCount;
    private readonly (uint Seq, ReconfigResult Result)[] _responses = new (uint, ReconfigResult)[MaxPendingResponses];
    private int _responseCount;

    private bool _deferredResetActive;
    private uint _deferredResetSeq;
    private uint _deferredResetLastTsn;
    private readonly ushort[] _deferredStreams = new ushort[MaxStreamsPerRequest];
    private int _deferredStreamCount;

    private enum ReconfigResult : uint
    {
        NothingToDo = 0,
        Performed = 1,
        Denied = 2,
        ErrorWrongSsn = 3,
        ErrorRequestInProgress = 4,
        ErrorBadSequenceNumber = 5,
        InProgress = 6,
    }

    /// <summary>
    /// Resets our outgoing side of <paramref name="streamId"/> (RFC 6525 §5.1.2) once its queued data
    /// has gone out. Completion is reported by an OutgoingStreamReset (or StreamResetFailed) event;
    /// until then Send on the stream returns StreamResetting.
    /// </summary>
    public void ResetStream(ushort streamId)
    {
        if (_terminated || _state != SctpAssociationState.Established)
        {
            ThrowInvalidState("Streams can only be reset on an established association.");
        }

        OutgoingStream stream = GetStream(streamId);
        if (stream.Reset == OutgoingResetState.Requested)
        {
            // A new user of the stream (e.g. a data channel reusing the id) closes it while the
            // previous reset is still unanswered: reset again once that one completes.
            stream.ResetAgain = true;
            return;
        }

        if (stream.Reset != OutgoingResetState.None)
        {
            return;
        }

        if (!_peerSupportsReconfig)
        {
            _events.PushBack(new SctpEvent(SctpEventKind.StreamResetFailed, streamId));
            return;
        }

        stream.Reset = OutgoingResetState.Queued;
        _resetQueue.Add(streamId);
    }

    private void InitializeReconfig() => _nextRequestSeq = _myInitialTsn;

    // Picks the queued streams whose data all have TSNs into a new request.
    private bool TryStartRequest()
    {
        if (_requestOutstanding || _resetQueue.Count == 0)
        {
            return false;
        }

        _requestStreamCount = 0;
        // The request must fit one packet beside a SACK: 12 header + 4 chunk + 16 parameter bytes.
        int maxStreams = Math.Min(MaxStreamsPerRequest, (_mtu - 64) / 2);
        for (int i = 0; i < _resetQueue.Count && _requestStreamCount < maxStreams;)
        {
            OutgoingStream stream = GetStream(_resetQueue[i]);
            if (stream.Unsent == 0)
            {
                // Everything sent so far has TSN <= the request's last TSN; anything sent from now
                // on belongs after the reset point, where the peer expects SSN 0 (RFC 6525 §5.2.2).
                stream.Reset = OutgoingResetState.Requested;
                stream.NextSsn = 0;
                _requestStreams[_requestStreamCount++] = _resetQueue[i];
                _resetQueue.RemoveAt(i);
            }
            else
            {
                i++;
            }
        }

        if (_requestStreamCount == 0)
        {
            return false;
        }

        _requestOutstanding = true;
        _requestSeq = _nextRequestSeq++;
        _requestLastTsn = _nextTsn - 1;
        _sendRequest = true;
        return true;
    }

    private void OnReconfigTimeout()
    {
        if (_requestOutstanding)
        {
            _sendRequest = true;
        }
    }

    private int WriteReconfig(Span<byte> packet, int pos)
    {
        if (_responseCount > 0)
        {
            int length = SctpWire.ChunkHeaderLength + 12;
            if (packet.Length - pos < length)
            {
                return pos;
            }

            (uint seq, ReconfigResult result) = _responses[0];
            Array.Copy(_responses, 1, _responses, 0, _responseCount - 1);
            _responseCount--;
            int v = SctpPacket.WriteChunkHeader(packet, pos, SctpChunkType.ReConfig, 0, length);
            BinaryPrimitives.WriteUInt16BigEndian(packet[v..], SctpWire.ParamReconfigResponse);
            BinaryPrimitives.WriteUInt16BigEndian(packet[(v + 2)..], 12);
            BinaryPrimitives.WriteUInt32BigEndian(packet[(v + 4)..], seq);
            BinaryPrimitives.WriteUInt32BigEndian(packet[(v + 8)..], (uint)result);
            return SctpPacket.EndChunk(packet, pos, length);
        }

        if (_sendRequest || TryStartRequest())
        {
            int paramLength = 16 + (2 * _requestStreamCount);
            int length = SctpWire.ChunkHeaderLength + paramLength;
            if (packet.Length - pos < SctpWire.Pad4(length))
            {
                return pos;
            }

            _sendRequest = false;
            int v = SctpPacket.WriteChunkHeader(packet, pos, SctpChunkType.ReConfig, 0, length);
            BinaryPrimitives.WriteUInt16BigEndian(packet[v..], SctpWire.ParamOutgoingSsnResetRequest);
            BinaryPrimitives.WriteUInt16BigEndian(packet[(v + 2)..], (ushort)paramLength);
            BinaryPrimitives.WriteUInt32BigEndian(packet[(v + 4)..], _requestSeq);
            BinaryPrimitives.WriteUInt32BigEndian(packet[(v + 8)..], _lastPeerRequestSeq);
            BinaryPrimitives.WriteUInt32BigEndian(packet[(v + 12)..], _requestLastTsn);
            for (int i = 0; i < _requestStreamCount; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(packet[(v + 16 + (2 * i))..], _requestStreams[i]);
            }

            Arm(SctpTimer.Reconfig, _now + _rto);
            return SctpPacket.EndChunk(packet, pos, length);
        }

        return pos;
    }

    private bool HasReconfigToSend()
    {
        if (_responseCount > 0 || _sendRequest)
        {
            return true;
        }

        if (_requestOutstanding || _resetQueue.Count == 0)
        {
            return false;
        }

        foreach (ushort id in _resetQueue)
        {
            if (GetStream(id).Unsent == 0)
            {
                return true;
            }
        }

        return false;
    }

    private void HandleReconfig(ReadOnlySpan<byte> value)
    {
        var parameters = new SctpParameterReader(value);
        while (parameters.MoveNext())
        {
            ReadOnlySpan<byte> p = parameters.Value;
            switch (parameters.Type)
            {
                case SctpWire.ParamOutgoingSsnResetRequest when p.Length >= 12:
                    HandleOutgoingResetRequest(
                        BinaryPrimitives.ReadUInt32BigEndian(p),
                        BinaryPrimitives.ReadUInt32BigEndian(p[8..]),
                        p[12..]);
                    break;
                case SctpWire.ParamIncomingSsnResetRequest when p.Length >= 4:
                    HandleIncomingResetRequest(BinaryPrimitives.ReadUInt32BigEndian(p));
                    break;
                case SctpWire.ParamReconfigResponse when p.Length >= 8:
                    HandleReconfigResponse(BinaryPrimitives.ReadUInt32BigEndian(p), (ReconfigResult)BinaryPrimitives.ReadUInt32BigEndian(p[4..]));
                    break;
                default:
                    DroppedChunks++;
                    break;
            }
        }
    }

    private void HandleOutgoingResetRequest(uint seq, uint lastTsn, ReadOnlySpan<byte> streams)
    {
        // RFC 6525 §5.2.2 with the tolerance dcsctp has: after "in progress" a sender may retry
        // with the same sequence number (RFC) or the next one (dcsctp does); both are re-evaluated.
        bool retransmission = seq == _lastPeerRequestSeq;
        if (!retransmission && seq != _lastPeerRequestSeq + 1)
        {
            QueueResponse(seq, ReconfigResult.ErrorBadSequenceNumber);
            return;
        }

        if (retransmission && _lastPeerResult != ReconfigResult.InProgress)
        {
            QueueResponse(seq, _lastPeerResult);
            return;
        }

        _lastPeerRequestSeq = seq;
        _deferredStreamCount = 0;
        for (int i = 0; i + 2 <= streams.Length && _deferredStreamCount < MaxStreamsPerRequest; i += 2)
        {
            _deferredStreams[_deferredStreamCount++] = BinaryPrimitives.ReadUInt16BigEndian(streams[i..]);
        }

        _deferredResetSeq = seq;
        _deferredResetLastTsn = lastTsn;
        if (SctpWire.TsnLessOrEqual(lastTsn, _cumTsn))
        {
            if (_performedValid && lastTsn == _performedLastTsn
                && _performedStreams.AsSpan(0, _performedStreamCount).SequenceEqual(_deferredStreams.AsSpan(0, _deferredStreamCount)))
            {
                // Already reset when the data arrived; this is the sender's retry.
                _performedValid = false;
                _deferredResetActive = false;
                _lastPeerResult = ReconfigResult.Performed;
                QueueResponse(seq, ReconfigResult.Performed);
                return;
            }

            PerformReset(deferred: false);
        }
        else if (SctpWire.TsnLess(_cumTsn + MaxTsnWindow, lastTsn))
        {
            // Names TSNs that cannot be in flight: refuse rather than wait forever.
            _deferredResetActive = false;
            _lastPeerResult = ReconfigResult.Denied;
            QueueResponse(seq, ReconfigResult.Denied);
        }
        else
        {
            _deferredResetActive = true;
            _lastPeerResult = ReconfigResult.InProgress;
            QueueResponse(seq, ReconfigResult.InProgress);
        }
    }

    // Every message before the reset point has been queued as an event, so the reset events
    // follow the stream's last messages in PollEvent order. A deferred reset also answers the
    // request unprompted, which lets a sender that retries with the same number finish early.
    private void PerformDeferredReset() => PerformReset(deferred: true);

    private void PerformReset(bool deferred)
    {
        _deferredResetActive = false;
        for (int i = 0; i < _deferredStreamCount; i++)
        {
            _events.PushBack(new SctpEvent(SctpEventKind.IncomingStreamReset, _deferredStreams[i]));
        }

        _performedValid = deferred;
        if (deferred)
        {
            _performedLastTsn = _deferredResetLastTsn;
            _deferredStreams.AsSpan(0, _deferredStreamCount).CopyTo(_performedStreams);
            _performedStreamCount = _deferredStreamCount;
        }

        _lastPeerResult = ReconfigResult.Performed;
        QueueResponse(_deferredResetSeq, ReconfigResult.Performed);
    }

    private void HandleIncomingResetRequest(uint seq)
    {
        if (seq == _lastPeerRequestSeq + 1)
        {
            _lastPeerRequestSeq = seq;
            _lastPeerResult = ReconfigResult.Denied;
            QueueResponse(seq, ReconfigResult.Denied);
        }
        else
        {
            QueueResponse(seq, seq == _lastPeerRequestSeq ? _lastPeerResult : ReconfigResult.ErrorBadSequenceNumber);
        }
    }

    private void QueueResponse(uint seq, ReconfigResult result)
    {
        for (int i = 0; i < _responseCount; i++)
        {
            if (_responses[i].Seq == seq)
            {
                _responses[i].Result = result;
                return;
            }
        }

        if (_responseCount < MaxPendingResponses)
        {
            _responses[_responseCount++] = (seq, result);
        }
    }

    private void HandleReconfigResponse(uint seq, ReconfigResult result)
    {
        if (!_requestOutstanding || seq != _requestSeq)
        {
            DroppedChunks++;
            return;
        }

        switch (result)
        {
            case ReconfigResult.InProgress:
            case ReconfigResult.ErrorRequestInProgress:
                Arm(SctpTimer.Reconfig, _now + _rto);
                return;
            case ReconfigResult.Performed:
            case ReconfigResult.NothingToDo:
                FinishRequest(SctpEventKind.OutgoingStreamReset);
                return;
            default:
                FinishRequest(SctpEventKind.StreamResetFailed);
                return;
        }
    }

    private void FinishRequest(SctpEventKind kind)
    {
        _requestOutstanding = false;
        _sendRequest = false;
        Disarm(SctpTimer.Reconfig);
        for (int i = 0; i < _requestStreamCount; i++)
        {
            OutgoingStream stream = GetStream(_requestStreams[i]);
            stream.Reset = OutgoingResetState.None;
            _events.PushBack(new SctpEvent(kind, _requestStreams[i]));
            if (stream.ResetAgain)
            {
                stream.ResetAgain = false;
                stream.Reset = OutgoingResetState.Queued;
                _resetQueue.Add(_requestStreams[i]);
            }
        }

        _requestStreamCount = 0;
    }
}
