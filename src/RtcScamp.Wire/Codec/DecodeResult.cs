namespace RtcScamp.Wire.Codec;

/// <summary>
/// Outcome of decoding peer bytes. Everything but <see cref="Ok"/> and <see cref="NeedMoreData"/> means the
/// peer sent something this version does not accept; docs/wire.md says what a connection should do with each.
/// </summary>
public enum DecodeResult
{
    /// <summary>A whole message was decoded.</summary>
    Ok = 0,

    /// <summary>
    /// Only from <see cref="Framing.Frame.TryReadMessage"/>: the buffer ends inside a frame (prefix or body).
    /// Not an error: read more bytes and try again. <see cref="MessageCodec.TryDecode"/> never returns it,
    /// because a frame body is complete by construction; a value cut short inside a body is <see cref="MalformedField"/>.
    /// </summary>
    NeedMoreData = 1,

    /// <summary>
    /// The frame body is longer than <see cref="WireLimits.MaxFrameLength"/>: reported by
    /// <see cref="Framing.Frame.TryReadMessage"/> from the length prefix alone, by <see cref="MessageCodec.TryDecode"/>
    /// from the body's length.
    /// </summary>
    FrameTooLarge = 2,

    /// <summary>
    /// The first array element is an integer that names no <see cref="Messages.MessageType"/> this version knows.
    /// The framing is still intact, so a caller may skip the frame and keep the connection.
    /// </summary>
    UnknownMessageType = 3,

    /// <summary>
    /// The body is not the expected shape: not an array, wrong element count for the type, wrong MessagePack
    /// type for a field, a value out of range (an enum, a non-finite budget, a route not a multiple of 16 bytes),
    /// or a value running past the end of the body.
    /// </summary>
    MalformedField = 4,

    /// <summary>A byte field is longer than its limit (route hops, payload or contact length).</summary>
    LimitExceeded = 5,

    /// <summary>The message array ended before the frame body did.</summary>
    TrailingBytes = 6,

    /// <summary>Only from <see cref="Framing.Frame.TryReadMessage"/>: the LEB128 length prefix is overlong or longer than 5 bytes.</summary>
    MalformedLength = 7,
}
