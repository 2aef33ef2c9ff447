using System.Buffers.Binary;

namespace RtcScamp.Transport.WebRtc.Sctp;

/*
 * Receiving side: TSN tracking, reassembly, delivery and SACK generation (RFC 4960 §6.2, §6.9).
 *
 * Chunks above the cumulative TSN are parked in _rx, a ring indexed by TSN (at most MaxTsnWindow
 * ahead; farther TSNs are dropped unacked and the sender retransmits them). When the cumulative
 * TSN advances, chunks leave the ring in TSN order and go through reassembly into _delivery, a
 * queue of fragments whose E flag marks the end of each message; a Message event is queued for
 * each completed message. Without I-DATA (RFC 8260) the fragments of one message have consecutive
 * TSNs, and a conforming sender assigns SSNs of a stream in TSN order, so delivering in TSN order
 * is both ordered per stream and correct for unordered messages; the cost is head-of-line
 * blocking across streams while a TSN is missing. SSNs are therefore not tracked.
 *
 * Fragment payloads live in arrays from a per-association pool (see _rxPool).
 * Memory is bounded: bytes held (parked + assembling + undelivered, each fragment charged at least
 * 128 bytes so tiny chunks cannot multiply per-fragment overhead) never exceed
 * ReceiveWindow + ReceiveOverdraft. The overdraft only admits the TSN that fills the cumulative
 * gap when out-of-order data already fills the window, so the association can never deadlock on a
 * full buffer of undeliverable data. a_rwnd = ReceiveWindow − held.
 *
 * SACK timing (§6.2): after every second packet with DATA, immediately when a packet arrives out
 * of order, duplicates arrive or gaps remain, and otherwise after DelayedAckTimeout. A SACK also
 * rides along whenever we send DATA, and goes out on its own when reading frees a quarter of the
 * window (window update, so a sender stuck at zero window resumes without waiting for a probe).
 */
public sealed partial class SctpAssociation
{
    private const int MaxTsnWindow = 16384;
    private const int MaxDuplicateReports = 16;
    private const int MaxGapBlocks = 128;
    private const int MinFragmentCharge = 128;

    private InboundFragment[] _rx = new InboundFragment[256];

    // Our own pool: a burst of a full window of fragments exceeds what the shared ArrayPool keeps
    // per size, so renting from it would allocate in steady state.
    private readonly FragmentPool _rxPool = new();
    private readonly RingBuffer<InboundFragment> _delivery = new(64);
    private readonly uint[] _duplicates = new uint[MaxDuplicateReports];
    private int _duplicateCount;

    private uint _cumTsn;
    private uint _highestTsn;
    private long _held;
    private long _lastAdvertisedRwnd;
    private int _dataPacketsSinceSack;
    private bool _sackNow;
    private bool _sackDue;
    private bool _dataOutOfOrder;

    private bool _partialActive;
    private bool _partialDiscard;
    private int _partialFragments;
    private int _partialLength;
    private ushort _partialStream;
    private uint _partialPpid;
    private bool _partialUnordered;

    private bool _messageUnread;

    /// <summary>Bytes charged against the receive window: payload held for reassembly and undelivered messages, at least 128 per fragment.</summary>
    public long ReceiveBufferUsed => _held;

    /// <summary>Messages dropped: too large, malformed fragment sequence or invalid stream, or cut off by the association's end.</summary>
    public long DiscardedMessages { get; private set; }

    private long ReceiveOverdraft => 16L * _mtu;

    // What a fragment costs against the window: its payload, but at least MinFragmentCharge, so a
    // flood of tiny chunks cannot hold (array, ring slot and event) overhead many times the window.
    private static int Charge(int length) => Math.Max(length, MinFragmentCharge);

    private struct InboundFragment
    {
        public byte[]? Buffer;
        public int Length;
        public ushort StreamId;
        public uint Ppid;
        public byte Flags;
    }

    private void InitializeReceiver()
    {
        _lastAdvertisedRwnd = _options.ReceiveWindow;
    }

    private void ResetReceiver(uint peerInitialTsn)
    {
        ReleaseReceiver();
        _cumTsn = peerInitialTsn - 1;
        _highestTsn = _cumTsn;
        _lastPeerRequestSeq = peerInitialTsn - 1;
        _lastPeerResult = ReconfigResult.Performed;
        _deferredResetActive = false;
        _performedValid = false;
    }

    /// <summary>
    /// Drops what was received but cannot become a message any more: the chunks parked above the cumulative TSN and
    /// the message being reassembled. Complete messages waiting in the delivery queue stay readable: they were
    /// acknowledged, and their Message events are queued (an ABORT bundled after DATA, or an application that polls
    /// late, must not lose them or read past them).
    /// </summary>
    private void ReleaseReceiver()
    {
        for (int i = 0; i < _rx.Length; i++)
        {
            if (_rx[i].Buffer is byte[] b)
            {
                _held -= Charge(_rx[i].Length);
                _rxPool.Return(b);
                _rx[i] = default;
            }
        }

        if (_partialActive)
        {
            DropPartial();
            _partialActive = false;
        }

        _highestTsn = _cumTsn;
    }

    private void HandleData(byte flags, ReadOnlySpan<byte> value)
    {
        if (value.Length <= 12)
        {
            // Shorter than the DATA header, or no user data (RFC 4960 §6.2 would ABORT; we drop).
            DroppedChunks++;
            return;
        }

        uint tsn = BinaryPrimitives.ReadUInt32BigEndian(value);
        uint offset = tsn - _cumTsn;
        if (offset == 0 || offset > int.MaxValue)
        {
            RecordDuplicate(tsn);
            return;
        }

        if (offset > MaxTsnWindow)
        {
            DroppedChunks++;
            _sackNow = true;
            return;
        }

        EnsureRxCapacity((int)offset);
        ref InboundFragment slot = ref _rx[tsn & (uint)(_rx.Length - 1)];
        if (slot.Buffer is not null)
        {
            RecordDuplicate(tsn);
            return;
        }

        int length = value.Length - 12;
        int charge = Charge(length);
        if (_held + charge > _options.ReceiveWindow
            && !(offset == 1 && _highestTsn != _cumTsn && _held + charge <= _options.ReceiveWindow + ReceiveOverdraft))
        {
            // No room (RFC 4960 §6.2: drop; the sender retransmits after our SACK shows the gap).
            DroppedChunks++;
            _sackNow = true;
            return;
        }

        byte[] buffer = _rxPool.Rent(length);
        value[12..].CopyTo(buffer);
        slot.Buffer = buffer;
        slot.Length = length;
        slot.StreamId = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
        slot.Ppid = BinaryPrimitives.ReadUInt32BigEndian(value[8..]);
        slot.Flags = flags;
        _held += charge;
        if (SctpWire.TsnLess(_highestTsn, tsn))
        {
            _highestTsn = tsn;
        }

        if (offset != 1)
        {
            _dataOutOfOrder = true;
        }

        uint mask = (uint)(_rx.Length - 1);
        while (_rx[(_cumTsn + 1) & mask].Buffer is not null)
        {
            _cumTsn++;
            ref InboundFragment next = ref _rx[_cumTsn & mask];
            InboundFragment fragment = next;
            next = default;
            Reassemble(fragment);
        }

        if (_deferredResetActive && SctpWire.TsnLessOrEqual(_deferredResetLastTsn, _cumTsn))
        {
            PerformDeferredReset();
        }
    }

    private void EnsureRxCapacity(int offset)
    {
        if (offset < _rx.Length)
        {
            return;
        }

        int size = _rx.Length;
        while (size <= offset)
        {
            size *= 2;
        }

        var bigger = new InboundFragment[size];
        uint oldMask = (uint)(_rx.Length - 1);
        uint newMask = (uint)(size - 1);
        for (uint i = 1; i < (uint)_rx.Length; i++)
        {
            uint tsn = _cumTsn + i;
            bigger[tsn & newMask] = _rx[tsn & oldMask];
        }

        _rx = bigger;
    }

    private void RecordDuplicate(uint tsn)
    {
        if (_duplicateCount < MaxDuplicateReports)
        {
            _duplicates[_duplicateCount++] = tsn;
        }

        _sackNow = true;
    }

    private void Reassemble(InboundFragment fragment)
    {
        bool begin = (fragment.Flags & SctpWire.DataFlagBeginning) != 0;
        bool end = (fragment.Flags & SctpWire.DataFlagEnd) != 0;
        if (begin)
        {
            if (_partialActive)
            {
                // A new message began before the previous one ended: the previous is unrecoverable.
                DropPartial();
            }

            _partialActive = true;
            _partialDiscard = fragment.StreamId >= _inboundStreams;
            _partialFragments = 0;
            _partialLength = 0;
            _partialStream = fragment.StreamId;
            _partialPpid = fragment.Ppid;
            _partialUnordered = (fragment.Flags & SctpWire.DataFlagUnordered) != 0;
        }
        else if (!_partialActive || fragment.StreamId != _partialStream)
        {
            if (_partialActive)
            {
                DropPartial();
                _partialActive = false;
            }

            Free(fragment);
            DiscardedMessages++;
            return;
        }

        if (!_partialDiscard && _partialLength + fragment.Length > _options.MaxReceiveMessageSize)
        {
            DropPartial();
        }

        if (_partialDiscard)
        {
            Free(fragment);
        }
        else
        {
            _delivery.PushBack(fragment);
            _partialFragments++;
            _partialLength += fragment.Length;
        }

        if (end)
        {
            if (!_partialDiscard)
            {
                _events.PushBack(new SctpEvent(SctpEventKind.Message, _partialStream, _partialPpid, _partialLength, _partialUnordered));
            }

            _partialActive = false;
        }
    }

    private void DropPartial()
    {
        if (!_partialDiscard)
        {
            DiscardedMessages++;
        }

        for (; _partialFragments > 0; _partialFragments--)
        {
            Free(_delivery.PopBack());
        }

        _partialLength = 0;
        _partialDiscard = true;
    }

    private void Free(InboundFragment fragment)
    {
        _held -= Charge(fragment.Length);
        if (!_terminated)
        {
            _rxPool.Return(fragment.Buffer!); // (once the association has ended its pool stays empty)
        }
    }

    /// <summary>
    /// Copies the message announced by the last <see cref="SctpEventKind.Message"/> event into
    /// <paramref name="destination"/> (at least <see cref="SctpEvent.Length"/> bytes) and returns its
    /// length. Call it at most once per Message event, before the next PollEvent.
    /// </summary>
    public int ReadMessage(Span<byte> destination)
    {
        if (!_messageUnread)
        {
            ThrowInvalidState("No message: call ReadMessage once after PollEvent returned a Message event.");
        }

        int total = 0;
        for (int i = 0; i < _delivery.Count; i++)
        {
            ref InboundFragment f = ref _delivery[i];
            total += f.Length;
            if ((f.Flags & SctpWire.DataFlagEnd) != 0)
            {
                break;
            }
        }

        if (destination.Length < total)
        {
            ThrowArgument("Destination is shorter than the message.", nameof(destination));
        }

        int written = 0;
        while (true)
        {
            InboundFragment f = _delivery.PopFront();
            f.Buffer.AsSpan(0, f.Length).CopyTo(destination[written..]);
            written += f.Length;
            Free(f);
            if ((f.Flags & SctpWire.DataFlagEnd) != 0)
            {
                break;
            }
        }

        _messageUnread = false;
        CheckWindowUpdate();
        return written;
    }

    private void DiscardUnreadMessage()
    {
        if (!_messageUnread)
        {
            return;
        }

        _messageUnread = false;
        while (_delivery.Count > 0)
        {
            InboundFragment f = _delivery.PopFront();
            Free(f);
            if ((f.Flags & SctpWire.DataFlagEnd) != 0)
            {
                break;
            }
        }

        CheckWindowUpdate();
    }

    private void CheckWindowUpdate()
    {
        if (_peerKnown && !_terminated && CurrentRwnd() - _lastAdvertisedRwnd >= _options.ReceiveWindow / 4)
        {
            _sackNow = true;
        }
    }

    private long CurrentRwnd() => Math.Max(0, _options.ReceiveWindow - _held);

    private void AfterDataPacket()
    {
        _sackDue = true;
        _dataPacketsSinceSack++;
        if (_dataPacketsSinceSack >= 2 || _dataOutOfOrder || _highestTsn != _cumTsn
            || _state is SctpAssociationState.ShutdownSent or SctpAssociationState.ShutdownPending)
        {
            _sackNow = true;
        }
        else if (!IsArmed(SctpTimer.DelayedAck))
        {
            Arm(SctpTimer.DelayedAck, _now + _options.DelayedAckTimeout);
        }

        _dataOutOfOrder = false;
        if (_state == SctpAssociationState.ShutdownSent)
        {
            _sendShutdown = true;
        }
    }

    private int WriteSack(Span<byte> packet, int pos)
    {
        int room = packet.Length - pos - 16;
        int v = pos + SctpWire.ChunkHeaderLength;
        int blocks = 0;
        int p = v + 12;
        uint mask = (uint)(_rx.Length - 1);
        uint span = _highestTsn - _cumTsn;
        uint i = 2;
        while (i <= span && blocks < MaxGapBlocks && room >= 4)
        {
            if (_rx[(_cumTsn + i) & mask].Buffer is null)
            {
                i++;
                continue;
            }

            uint start = i;
            while (i + 1 <= span && _rx[(_cumTsn + i + 1) & mask].Buffer is not null)
            {
                i++;
            }

            BinaryPrimitives.WriteUInt16BigEndian(packet[p..], (ushort)start);
            BinaryPrimitives.WriteUInt16BigEndian(packet[(p + 2)..], (ushort)i);
            p += 4;
            room -= 4;
            blocks++;
            i++;
        }

        int dups = 0;
        for (; dups < _duplicateCount && room >= 4; dups++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(packet[p..], _duplicates[dups]);
            p += 4;
            room -= 4;
        }

        long rwnd = CurrentRwnd();
        BinaryPrimitives.WriteUInt32BigEndian(packet[v..], _cumTsn);
        BinaryPrimitives.WriteUInt32BigEndian(packet[(v + 4)..], (uint)rwnd);
        BinaryPrimitives.WriteUInt16BigEndian(packet[(v + 8)..], (ushort)blocks);
        BinaryPrimitives.WriteUInt16BigEndian(packet[(v + 10)..], (ushort)dups);
        SctpPacket.WriteChunkHeader(packet, pos, SctpChunkType.Sack, 0, p - pos);
        _lastAdvertisedRwnd = rwnd;
        _duplicateCount = 0;
        _dataPacketsSinceSack = 0;
        _sackNow = false;
        _sackDue = false;
        Disarm(SctpTimer.DelayedAck);
        return p;
    }
}
