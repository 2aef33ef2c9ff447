using RtcScamp.Transport.WebRtc.Sctp;

namespace RtcScamp.Transport.WebRtc.DataChannels;

/// <summary>
/// Life of a data channel (RFC 8831 §6.6–6.7, RFC 8832 §6):
/// <code>
///   Open() ──OPEN sent──▶ Connecting ──ACK received──▶ Open
///   peer OPEN ──ACK sent──────────────────────────────▶ Open
///   Open|Connecting ──Close() / peer reset──▶ Closing ──both directions reset──▶ Closed
///   any ──association closed──▶ Closed
/// </code>
/// </summary>
public enum DataChannelState : byte
{
    Connecting,
    Open,
    Closing,
    Closed,
}

/// <summary>Result of <see cref="DataChannel.Send"/>.</summary>
public enum DataChannelSendResult : byte
{
    Ok,

    /// <summary>Larger than the peer's max-message-size.</summary>
    TooLarge,

    /// <summary>The association's send buffer is full; wait for a BufferedAmountLow event.</summary>
    BufferFull,

    /// <summary>The channel is closing or closed.</summary>
    Closed,
}

/// <summary>
/// One WebRTC data channel: an SCTP stream pair plus its DCEP label and type. Created by
/// <see cref="DataChannelEndpoint.Open"/> or by the peer (reported with an Opened event). Reliable
/// only: ordered or unordered. Not thread-safe; use it on the endpoint's driver.
/// </summary>
public sealed class DataChannel
{
    private readonly DataChannelEndpoint _endpoint;

    internal DataChannel(DataChannelEndpoint endpoint, ushort id, string label, string protocol, bool ordered, DataChannelState state)
    {
        _endpoint = endpoint;
        Id = id;
        Label = label;
        Protocol = protocol;
        Ordered = ordered;
        State = state;
    }

    /// <summary>The SCTP stream id (even when we are the DTLS client, odd when server, for channels we open).</summary>
    public ushort Id { get; }

    public string Label { get; }

    public string Protocol { get; }

    /// <summary>Reliable ordered (true) or reliable unordered (false).</summary>
    public bool Ordered { get; }

    public DataChannelState State { get; internal set; }

    /// <summary>Bytes given to Send and not yet acknowledged by the peer.</summary>
    public long BufferedAmount => _endpoint.Association.GetBufferedAmount(Id);

    /// <summary>A BufferedAmountLow event fires when <see cref="BufferedAmount"/> drops from above to at or below this.</summary>
    public long BufferedAmountLowThreshold
    {
        get => _lowThreshold;
        set
        {
            _lowThreshold = Math.Max(0, value);
            _endpoint.Association.SetBufferedAmountLowThreshold(Id, _lowThreshold);
        }
    }

    private long _lowThreshold;

    internal bool AckReceived { get; set; }

    internal bool IncomingReset { get; set; }

    internal bool OutgoingReset { get; set; }

    internal bool ResetRequested { get; set; }

    /// <summary>The peer's OPEN was refused (unsupported type); the channel is never reported Opened or Closed.</summary>
    internal bool Rejected { get; set; }

    /// <summary>
    /// Queues one message: text (UTF-8, PPID 51) or binary (PPID 53). Empty messages are sent as
    /// one 0x00 byte with PPID 56/57 and arrive empty (RFC 8831 §6.6).
    /// </summary>
    public DataChannelSendResult Send(ReadOnlySpan<byte> data, bool isText = false)
    {
        if (State is not (DataChannelState.Open or DataChannelState.Connecting))
        {
            return DataChannelSendResult.Closed;
        }

        uint ppid;
        if (data.IsEmpty)
        {
            ppid = isText ? DataChannelPpid.StringEmpty : DataChannelPpid.BinaryEmpty;
            data = [0];
        }
        else
        {
            ppid = isText ? DataChannelPpid.String : DataChannelPpid.Binary;
        }

        // RFC 8832 §6: until the ACK arrives, the opener sends ordered so data cannot overtake OPEN.
        bool unordered = !Ordered && AckReceived;
        return _endpoint.Association.Send(Id, ppid, data, unordered) switch
        {
            SctpSendResult.Ok => DataChannelSendResult.Ok,
            SctpSendResult.TooLarge => DataChannelSendResult.TooLarge,
            SctpSendResult.BufferFull => DataChannelSendResult.BufferFull,
            _ => DataChannelSendResult.Closed,
        };
    }

    /// <summary>Closes the channel by resetting its outgoing stream; Closed is reported once both directions are reset.</summary>
    public void Close() => _endpoint.CloseChannel(this);

    /// <inheritdoc/>
    public override string ToString() => $"DataChannel {Id} '{Label}' {State}";
}
