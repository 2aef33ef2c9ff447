using RtcScamp.Transport.WebRtc.Sctp;

namespace RtcScamp.Transport.WebRtc.DataChannels;

/// <summary>
/// WebRTC data channels (RFC 8831) over one <see cref="SctpAssociation"/>, opened with DCEP
/// (RFC 8832). It forwards the sans-IO calls to the association and turns SCTP events into
/// channel events:
/// <list type="bullet">
/// <item>PPID 50 messages are DCEP: an OPEN creates a channel and is answered with an ACK on the
/// same stream; an ACK completes a channel we opened. Partially reliable channel types are refused
/// by resetting the stream (event Rejected), since this stack does not implement FORWARD-TSN.</item>
/// <item>PPIDs 51/53 are text/binary messages; 56/57 carry one placeholder byte and are delivered
/// as empty messages.</item>
/// <item>Closing (RFC 8831 §6.7): the closer resets its outgoing stream; on an incoming reset we
/// reset our outgoing stream as well; the channel is Closed when both directions are reset.</item>
/// </list>
/// Stream ids of channels we open are even when we are the DTLS client and odd when the DTLS
/// server (RFC 8832 §6). Not thread-safe: one driver owns it.
/// </summary>
public sealed class DataChannelEndpoint
{
    private readonly Dictionary<ushort, DataChannel> _channels = [];

    // Per stream: outgoing-reset completions still owed to channels already finished early because
    // the peer reused their stream id (see OnDcep); those completions must not touch the new channel.
    private readonly Dictionary<ushort, int> _staleOutgoingResets = [];
    private readonly RingBuffer<DataChannelEvent> _events = new(8);
    private readonly bool _isDtlsClient;
    private byte[] _scratch = new byte[256];
    private bool _messagePending;

    /// <summary>Wraps <paramref name="association"/>.</summary>
    /// <param name="association">A fresh association; the endpoint owns it from now on.</param>
    /// <param name="isDtlsClient">Our DTLS role, which decides the parity of stream ids we pick.</param>
    /// <param name="peerMaxMessageSize">The peer's SDP <c>a=max-message-size</c> (0 = no limit; absent in SDP means 65536, RFC 8841 §6).</param>
    public DataChannelEndpoint(SctpAssociation association, bool isDtlsClient, int peerMaxMessageSize)
    {
        ArgumentNullException.ThrowIfNull(association);
        Association = association;
        _isDtlsClient = isDtlsClient;
        association.MaxSendMessageSize = peerMaxMessageSize;
    }

    /// <summary>The underlying association (for statistics and Shutdown).</summary>
    public SctpAssociation Association { get; }

    /// <summary>Messages dropped because their stream had no open channel or their PPID is not a data-channel one.</summary>
    public long DroppedMessages { get; private set; }

    /// <summary>Channels currently known (any state but Closed).</summary>
    public IReadOnlyCollection<DataChannel> Channels => _channels.Values;

    /// <inheritdoc cref="SctpAssociation.Connect"/>
    public void Connect(long now) => Association.Connect(now);

    /// <inheritdoc cref="SctpAssociation.HandlePacket"/>
    public void HandlePacket(ReadOnlySpan<byte> packet, long now) => Association.HandlePacket(packet, now);

    /// <inheritdoc cref="SctpAssociation.PollTransmit(Span{byte}, long)"/>
    public int PollTransmit(Span<byte> buffer, long now) => Association.PollTransmit(buffer, now);

    /// <inheritdoc cref="SctpAssociation.HandleTimeout"/>
    public void HandleTimeout(long now) => Association.HandleTimeout(now);

    /// <inheritdoc cref="SctpAssociation.PollTimeout"/>
    public long PollTimeout() => Association.PollTimeout();

    /// <summary>
    /// Opens a reliable channel. It may be called before the association is up: the OPEN is queued
    /// and goes out with the handshake's completion. Throws when no stream id of our parity is free.
    /// </summary>
    public DataChannel Open(string label, bool ordered = true, string protocol = "")
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(protocol);
        if (Association.IsTerminated)
        {
            throw new InvalidOperationException("The association is closed.");
        }

        int limit = Association.State >= SctpAssociationState.Established ? Association.OutboundStreams : ushort.MaxValue;
        int id = _isDtlsClient ? 0 : 1;
        while (id < limit && _channels.ContainsKey((ushort)id))
        {
            id += 2;
        }

        if (id >= limit)
        {
            throw new InvalidOperationException("No free stream id.");
        }

        byte[] open = DcepMessage.WriteOpen(ordered ? DataChannelType.ReliableOrdered : DataChannelType.ReliableUnordered, label, protocol);
        var channel = new DataChannel(this, (ushort)id, label, protocol, ordered, DataChannelState.Connecting);
        SctpSendResult sent = Association.Send(channel.Id, DataChannelPpid.Dcep, open);
        if (sent != SctpSendResult.Ok)
        {
            throw new InvalidOperationException($"OPEN could not be queued: {sent}.");
        }

        _channels.Add(channel.Id, channel);
        return channel;
    }

    /// <summary>The channel on <paramref name="streamId"/>, if any.</summary>
    public DataChannel? GetChannel(ushort streamId) => _channels.GetValueOrDefault(streamId);

    /// <summary>
    /// Next event. For a Message event, call <see cref="ReadMessage"/> before polling again or the
    /// message is dropped.
    /// </summary>
    public bool PollEvent(out DataChannelEvent ev)
    {
        _messagePending = false;
        while (true)
        {
            if (_events.Count > 0)
            {
                ev = _events.PopFront();
                return true;
            }

            if (!Association.PollEvent(out SctpEvent sctp))
            {
                ev = default;
                return false;
            }

            if (Translate(sctp, out ev))
            {
                return true;
            }
        }
    }

    /// <summary>Copies the pending message (Length bytes of the last Message event) into <paramref name="destination"/>; returns its length.</summary>
    public int ReadMessage(Span<byte> destination)
    {
        if (!_messagePending)
        {
            throw new InvalidOperationException("No message: call ReadMessage once after a Message event.");
        }

        _messagePending = false;
        return _pendingEmpty ? 0 : Association.ReadMessage(destination);
    }

    private bool _pendingEmpty;

    private bool Translate(in SctpEvent sctp, out DataChannelEvent ev)
    {
        ev = default;
        switch (sctp.Kind)
        {
            case SctpEventKind.Established:
                // Channels closed while the handshake was still running get their reset now.
                foreach (DataChannel pending in _channels.Values)
                {
                    if (pending.State == DataChannelState.Closing)
                    {
                        RequestReset(pending);
                    }
                }

                ev = new DataChannelEvent(DataChannelEventKind.Connected);
                return true;
            case SctpEventKind.Message:
                return OnMessage(sctp, out ev);
            case SctpEventKind.BufferedAmountLow:
                if (_channels.TryGetValue(sctp.StreamId, out DataChannel? low) && !low.Rejected)
                {
                    ev = new DataChannelEvent(DataChannelEventKind.BufferedAmountLow, low);
                    return true;
                }

                return false;
            case SctpEventKind.IncomingStreamReset:
                if (_channels.TryGetValue(sctp.StreamId, out DataChannel? closing))
                {
                    closing.IncomingReset = true;
                    if (closing.State != DataChannelState.Closed)
                    {
                        closing.State = DataChannelState.Closing;
                    }

                    RequestReset(closing);
                    TryFinishClose(closing);
                }

                return false;
            case SctpEventKind.OutgoingStreamReset:
            case SctpEventKind.StreamResetFailed:
                if (_staleOutgoingResets.TryGetValue(sctp.StreamId, out int stale) && stale > 0)
                {
                    if (stale == 1)
                    {
                        _staleOutgoingResets.Remove(sctp.StreamId);
                    }
                    else
                    {
                        _staleOutgoingResets[sctp.StreamId] = stale - 1;
                    }

                    return false;
                }

                if (_channels.TryGetValue(sctp.StreamId, out DataChannel? reset))
                {
                    reset.OutgoingReset = true;

                    // A refused reset cannot be retried meaningfully; treat the stream as gone.
                    reset.IncomingReset |= sctp.Kind == SctpEventKind.StreamResetFailed;
                    TryFinishClose(reset);
                }

                return false;
            case SctpEventKind.Closed:
                foreach (DataChannel channel in _channels.Values)
                {
                    channel.State = DataChannelState.Closed;
                    if (!channel.Rejected)
                    {
                        _events.PushBack(new DataChannelEvent(DataChannelEventKind.Closed, channel));
                    }
                }

                _channels.Clear();
                _events.PushBack(new DataChannelEvent(DataChannelEventKind.Disconnected, Reason: sctp.CloseReason.ToString()));
                return false;
            default:
                return false;
        }
    }

    private bool OnMessage(in SctpEvent sctp, out DataChannelEvent ev)
    {
        ev = default;
        if (sctp.Ppid == DataChannelPpid.Dcep)
        {
            if (_scratch.Length < sctp.Length)
            {
                _scratch = new byte[sctp.Length];
            }

            int n = Association.ReadMessage(_scratch);
            return OnDcep(sctp.StreamId, _scratch.AsSpan(0, n), out ev);
        }

        bool text = sctp.Ppid is DataChannelPpid.String or DataChannelPpid.StringEmpty;
        bool empty = sctp.Ppid is DataChannelPpid.StringEmpty or DataChannelPpid.BinaryEmpty;
        if (!(text || empty || sctp.Ppid == DataChannelPpid.Binary)
            || !_channels.TryGetValue(sctp.StreamId, out DataChannel? channel)
            || channel.Rejected || channel.State == DataChannelState.Closed)
        {
            DroppedMessages++;
            return false;
        }

        if (channel.State == DataChannelState.Connecting)
        {
            // Data after our OPEN means the peer accepted it (its ACK precedes on the same ordered stream).
            channel.State = DataChannelState.Open;
            channel.AckReceived = true;
        }

        _messagePending = true;
        _pendingEmpty = empty;
        ev = new DataChannelEvent(DataChannelEventKind.Message, channel, text, empty ? 0 : sctp.Length);
        return true;
    }

    private bool OnDcep(ushort streamId, ReadOnlySpan<byte> message, out DataChannelEvent ev)
    {
        ev = default;
        if (message.Length == 1 && message[0] == DcepMessage.TypeAck)
        {
            if (_channels.TryGetValue(streamId, out DataChannel? mine) && mine.State == DataChannelState.Connecting)
            {
                mine.State = DataChannelState.Open;
                mine.AckReceived = true;
                ev = new DataChannelEvent(DataChannelEventKind.Opened, mine);
                return true;
            }

            DroppedMessages++;
            return false;
        }

        if (!DcepMessage.TryReadOpen(message, out DcepMessage.Open open))
        {
            DroppedMessages++;
            return false;
        }

        if (_channels.TryGetValue(streamId, out DataChannel? old))
        {
            // The peer may reuse a stream id as soon as both directions are reset on its side, which
            // can be before our own reset's response reaches us. If the peer's direction is reset and
            // ours was requested, the peer has performed it: the old channel is finished.
            if (!(old.IncomingReset && old.ResetRequested))
            {
                DroppedMessages++;
                return false;
            }

            if (!old.OutgoingReset)
            {
                _staleOutgoingResets[streamId] = _staleOutgoingResets.GetValueOrDefault(streamId) + 1;
                old.OutgoingReset = true;
            }

            TryFinishClose(old);
        }

        if (!OnOpen(streamId, open, out ev))
        {
            return false;
        }

        if (old is not null)
        {
            // Keep the old channel's Closed ahead of the new channel's event.
            _events.PushBack(ev);
            ev = default;
            return false;
        }

        return true;
    }

    private bool OnOpen(ushort streamId, in DcepMessage.Open open, out DataChannelEvent ev)
    {
        bool ordered = open.ChannelType == DataChannelType.ReliableOrdered;
        var channel = new DataChannel(this, streamId, open.Label, open.Protocol, ordered, DataChannelState.Open) { AckReceived = true };
        _channels.Add(streamId, channel);
        if (open.ChannelType is not (DataChannelType.ReliableOrdered or DataChannelType.ReliableUnordered))
        {
            channel.Rejected = true;
            channel.State = DataChannelState.Closing;
            RequestReset(channel);
            ev = new DataChannelEvent(DataChannelEventKind.Rejected, channel, Reason: $"partial reliability ({open.ChannelType}) is not supported");
            return true;
        }

        if (Association.Send(streamId, DataChannelPpid.Dcep, [DcepMessage.TypeAck]) != SctpSendResult.Ok)
        {
            channel.Rejected = true;
            channel.State = DataChannelState.Closing;
            RequestReset(channel);
            ev = new DataChannelEvent(DataChannelEventKind.Rejected, channel, Reason: "ACK could not be queued");
            return true;
        }

        ev = new DataChannelEvent(DataChannelEventKind.Opened, channel);
        return true;
    }

    internal void CloseChannel(DataChannel channel)
    {
        if (channel.State is DataChannelState.Closed or DataChannelState.Closing)
        {
            return;
        }

        channel.State = DataChannelState.Closing;
        if (Association.IsTerminated || Association.State > SctpAssociationState.Established)
        {
            // The association is going away; nothing can be reset any more.
            channel.IncomingReset = channel.OutgoingReset = true;
            TryFinishClose(channel);
            return;
        }

        // Before the handshake completes the reset waits for the Established event.
        RequestReset(channel);
    }

    private void RequestReset(DataChannel channel)
    {
        if (channel.ResetRequested || Association.State != SctpAssociationState.Established)
        {
            return;
        }

        channel.ResetRequested = true;
        Association.ResetStream(channel.Id);
    }

    private void TryFinishClose(DataChannel channel)
    {
        if (!channel.IncomingReset || !channel.OutgoingReset)
        {
            return;
        }

        channel.State = DataChannelState.Closed;
        _channels.Remove(channel.Id);
        if (!channel.Rejected)
        {
            _events.PushBack(new DataChannelEvent(DataChannelEventKind.Closed, channel));
        }
    }
}
