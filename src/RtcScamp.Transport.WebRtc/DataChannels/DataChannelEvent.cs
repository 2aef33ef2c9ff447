namespace RtcScamp.Transport.WebRtc.DataChannels;

/// <summary>What a <see cref="DataChannelEvent"/> reports.</summary>
public enum DataChannelEventKind : byte
{
    /// <summary>The SCTP association is up; channels opened earlier now send their OPEN.</summary>
    Connected,

    /// <summary>A channel is open: the peer opened it (we sent ACK) or the peer acknowledged ours.</summary>
    Opened,

    /// <summary>A message on <see cref="DataChannelEvent.Channel"/>; read it with <see cref="DataChannelEndpoint.ReadMessage"/>.</summary>
    Message,

    /// <summary>The channel's buffered amount fell to its low threshold.</summary>
    BufferedAmountLow,

    /// <summary>The channel is closed in both directions; its stream id is free again.</summary>
    Closed,

    /// <summary>The peer asked for a channel we do not support (partial reliability) or that collides; it is being reset.</summary>
    Rejected,

    /// <summary>The association ended (every channel has been reported Closed first).</summary>
    Disconnected,
}

/// <summary>One output of <see cref="DataChannelEndpoint.PollEvent"/>.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Channel">The channel concerned, when there is one.</param>
/// <param name="IsText">For messages: PPID 51/56 (text) rather than 53/57 (binary).</param>
/// <param name="Length">For messages: bytes <see cref="DataChannelEndpoint.ReadMessage"/> will return (0 for empty messages).</param>
/// <param name="Reason">For Rejected and Disconnected: why.</param>
public readonly record struct DataChannelEvent(
    DataChannelEventKind Kind,
    DataChannel? Channel = null,
    bool IsText = false,
    int Length = 0,
    string? Reason = null);
