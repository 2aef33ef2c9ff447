// PeerConnection, data-channel half: SCTP (RFC 8261) over the DTLS association and WebRTC data
// channels (RFC 8831, DCEP RFC 8832) over SCTP, run by the driver's loops.
//
//   DTLS Connected ─▶ SctpAssociation (ports 5000/5000, MTU ≤ DTLS record limit) + DataChannelEndpoint
//                     (stream-id parity from the DTLS role: client even, server odd), Connect (INIT).
//   each decrypted record ─▶ HandlePacket ─▶ Pump: PollTransmit → one DTLS record each → socket,
//                                               PollEvent → RtcDataChannel events
//   driver timer loop ─▶ HandleTimeout when SctpAssociation.PollTimeout is due ─▶ Pump
//   RtcDataChannel.Send (any thread) ─▶ under the driver lock: Send ─▶ Pump
//
// The transmit queue is drained after every received datagram, not per batch: SACKs go out every
// second DATA packet and slow start grows cwnd per SACK (docs/webrtc-sctp.md).
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using RtcScamp.Transport.WebRtc.DataChannels;
using RtcScamp.Transport.WebRtc.Sctp;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Transport.WebRtc;

public sealed partial class PeerConnection
{
    /// <summary>Our SCTP max-message-size (the size we can reassemble), 256 KiB as in Chromium.</summary>
    public const int LocalMaxMessageSize = 256 * 1024;

    /// <summary>The SCTP port both sides use (SDP <c>a=sctp-port</c>, RFC 8841 §5; the compact string implies 5000).</summary>
    public const ushort SctpPort = 5000;

    private readonly Dictionary<DataChannel, RtcDataChannel> _dataChannels = [];
    private readonly List<RtcDataChannel> _pendingChannels = [];
    private DataChannelEndpoint? _sctp;
    private int _peerMaxMessageSize = (int)SignalingBlob.DefaultMaxMessageSize;
    private bool _pumping;
    private int _receivePauses;
    private bool _pumpAgain;

    /// <summary>Raised on the driver loop when the peer opened a data channel (attach handlers here).</summary>
    public event Action<RtcDataChannel>? IncomingDataChannel;

    /// <summary>The peer's SCTP max-message-size (from its signaling string or SDP); 0 = unlimited.</summary>
    public int RemoteMaxMessageSize => _peerMaxMessageSize;

    /// <summary>The data-channel endpoint, once DTLS is connected (statistics, tests).</summary>
    internal DataChannelEndpoint? DataChannels => _sctp;

    /// <summary>
    /// Test hook between DTLS and SCTP on the receiving side: given a copy of each SCTP packet, returns
    /// the packets to hand to SCTP now (none to drop, several to release held ones out of order).
    /// </summary>
    internal Func<byte[], IEnumerable<byte[]>>? InboundSctpShim { get; set; }

    /// <summary>
    /// Opens a reliable data channel (ordered or unordered) with DCEP. It may be called before
    /// <see cref="Connected"/>: the channel is created once SCTP is up. <see cref="RtcDataChannel.Opened"/>
    /// fires when the peer acknowledges it; sending before that queues behind the OPEN.
    /// </summary>
    /// <exception cref="InvalidOperationException">Data channels are disabled, or the connection is over.</exception>
    public RtcDataChannel CreateDataChannel(string label, bool ordered = true, string protocol = "")
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(protocol);
        lock (_driver.Gate)
        {
            if (!_options.DataChannels)
            {
                ThrowDataChannelsDisabled();
            }

            if (_state is PeerConnectionState.Failed or PeerConnectionState.Closed)
            {
                ThrowWrongState(nameof(CreateDataChannel), _state);
            }

            var channel = new RtcDataChannel(this, label, protocol, ordered);
            if (_sctp is null)
            {
                _pendingChannels.Add(channel);
            }
            else
            {
                Attach(channel, _sctp.Open(label, ordered, protocol));
                PumpSctp();
            }

            return channel;
        }
    }

    // ---- under the driver lock ----

    internal long PollTimeout()
    {
        long ice = _agent?.PollTimeout() ?? long.MaxValue;
        long sctp = _sctp?.PollTimeout() ?? long.MaxValue;
        return Math.Min(ice, sctp);
    }

    internal void HandleTimeout(long now)
    {
        if (_agent is { } agent && agent.PollTimeout() <= now)
        {
            agent.HandleTimeout(now);
        }

        if (_sctp is { } sctp && sctp.PollTimeout() <= now)
        {
            sctp.HandleTimeout(now);
            PumpSctp();
        }
    }

    internal void PumpSctp()
    {
        if (_sctp is null)
        {
            return;
        }

        if (_pumping)
        {
            _pumpAgain = true; // a handler called back in; the outer pass picks it up
            return;
        }

        _pumping = true;
        try
        {
            do
            {
                _pumpAgain = false;
                DrainSctpTransmit();
                while (_receivePauses == 0 && _sctp is not null && _sctp.PollEvent(out DataChannelEvent e))
                {
                    OnDataChannelEvent(e);
                }

                DrainSctpTransmit(); // reading may have reopened the window (a window-update SACK)
            }
            while (_pumpAgain && _sctp is not null);
        }
        finally
        {
            _pumping = false;
        }

        _driver.DeliverToSelf();
        _driver.WakeTimerIfSooner(this);
    }

    /// <summary>
    /// Stops taking SCTP events (messages stay in the association, so its receive window closes and
    /// the peer stops sending) until <see cref="ResumeReceiving"/>: receive backpressure for a reader
    /// that fell behind. Counted; affects every channel of this connection.
    /// </summary>
    internal void PauseReceiving() => _receivePauses++;

    /// <summary>Undoes one <see cref="PauseReceiving"/> and delivers what waited (takes the driver lock).</summary>
    internal void ResumeReceiving()
    {
        lock (_driver.Gate)
        {
            if (_receivePauses > 0 && --_receivePauses == 0)
            {
                PumpSctp();
            }
        }
    }

    internal void ForgetPending(RtcDataChannel channel) => _pendingChannels.Remove(channel);

    internal RtcDataChannel? ChannelFor(DataChannel channel) => _dataChannels.GetValueOrDefault(channel);

    private void StartSctp()
    {
        if (!_options.DataChannels || _sctp is not null)
        {
            return;
        }

        Span<byte> seed = stackalloc byte[32];
        if (_options.Random is null)
        {
            RandomNumberGenerator.Fill(seed);
        }
        else
        {
            for (int i = 0; i < 4; i++)
            {
                BitConverter.TryWriteBytes(seed[(i * 8)..], _random.NextUInt64());
            }
        }

        int mtu = Math.Min(new SctpAssociationOptions().Mtu, _dtls!.MaxApplicationDataSize);
        var options = new SctpAssociationOptions
        {
            LocalPort = SctpPort,
            RemotePort = SctpPort,
            Mtu = mtu,
            MaxReceiveMessageSize = LocalMaxMessageSize,
        };
        bool isClient = _dtls.Role == RtcScamp.Transport.WebRtc.Dtls.DtlsRole.Client;
        _sctp = new DataChannelEndpoint(new SctpAssociation(options, seed), isClient, _peerMaxMessageSize);
        _sctp.Connect(_driver.Now);
        foreach (RtcDataChannel pending in _pendingChannels)
        {
            Attach(pending, _sctp.Open(pending.Label, pending.Ordered, pending.Protocol));
        }

        _pendingChannels.Clear();
        PumpSctp();
    }

    private void HandleSctpRecord(ReadOnlySpan<byte> record)
    {
        if (InboundSctpShim is { } shim)
        {
            foreach (byte[] packet in shim(record.ToArray()))
            {
                _sctp?.HandlePacket(packet, _driver.Now);
                PumpSctp();
            }

            return;
        }

        _sctp!.HandlePacket(record, _driver.Now);
        PumpSctp();
    }

    private void DrainSctpTransmit()
    {
        byte[] buffer = _driver.SctpTransmitBuffer;
        long now = _driver.Now;
        int n;
        while (_sctp is not null && (n = _sctp.PollTransmit(buffer, now)) > 0)
        {
            // A record the DTLS queue refuses is a lost packet: SCTP retransmits it.
            if (_state == PeerConnectionState.Connected && _dtls!.Send(buffer.AsSpan(0, n)))
            {
                _driver.SendDtlsDatagrams(this);
            }
        }
    }

    private void OnDataChannelEvent(in DataChannelEvent e)
    {
        RtcDataChannel? channel = e.Channel is null ? null : _dataChannels.GetValueOrDefault(e.Channel);
        switch (e.Kind)
        {
            case DataChannelEventKind.Opened:
                if (channel is null)
                {
                    channel = new RtcDataChannel(this, e.Channel!.Label, e.Channel.Protocol, e.Channel.Ordered);
                    Attach(channel, e.Channel);
                    IncomingDataChannel?.Invoke(channel);
                }

                channel.RaiseOpened();
                break;
            case DataChannelEventKind.Message:
                byte[] buffer = _driver.MessageBuffer;
                int n = _sctp!.ReadMessage(buffer);
                channel?.RaiseMessage(buffer.AsSpan(0, n), e.IsText);
                break;
            case DataChannelEventKind.BufferedAmountLow:
                channel?.RaiseBufferedAmountLow();
                break;
            case DataChannelEventKind.Closed when channel is not null:
                _dataChannels.Remove(e.Channel!);
                channel.RaiseClosed();
                break;
            default:
                break;
        }
    }

    private void Attach(RtcDataChannel channel, DataChannel inner)
    {
        channel.Inner = inner;
        _dataChannels[inner] = channel;
    }

    /// <summary>Ends SCTP with the connection: ABORT to the peer if still up, every channel Closed.</summary>
    private void StopSctp(bool abort)
    {
        if (_sctp is { } sctp && abort && !sctp.Association.IsTerminated && _state == PeerConnectionState.Connected)
        {
            sctp.Association.Abort(_driver.Now);
            DrainSctpTransmit();
        }

        _sctp = null;
        RtcDataChannel[] open = [.. _dataChannels.Values, .. _pendingChannels];
        _dataChannels.Clear();
        _pendingChannels.Clear();
        foreach (RtcDataChannel channel in open)
        {
            channel.RaiseClosed();
        }
    }

    private void SetRemoteMaxMessageSize(in SignalingBlob remote)
    {
        uint size = remote.MaxMessageSize ?? SignalingBlob.DefaultMaxMessageSize;
        _peerMaxMessageSize = size > int.MaxValue ? 0 : (int)size;
    }

    [DoesNotReturn]
    private static void ThrowDataChannelsDisabled() =>
        throw new InvalidOperationException("Data channels are disabled (PeerConnectionOptions.DataChannels is false).");
}
