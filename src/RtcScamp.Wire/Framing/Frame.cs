// RtcScamp framing: a stream (TCP, or a reliable ordered WebRTC data channel) carries back-to-back frames
//
//   +---------------------------+--------------------------------------+
//   | length: unsigned LEB128   | body: one MessagePack message array  |
//   | 1..5 bytes, minimal       | exactly `length` bytes               |
//   +---------------------------+--------------------------------------+
//
// The reader works on a System.IO.Pipelines ReadOnlySequence<byte> in the style of Kestrel's HTTP/2 frame
// reader: it reports a partial frame as NeedMoreData without consuming anything, rejects an oversized length
// from the prefix alone (before waiting for the body), and on success advances the caller's buffer past the
// frame. The writer puts the prefix and body straight into the caller's IBufferWriter (a PipeWriter, say), so
// any number of frames can be coalesced into one flush. Everything here is synchronous and sans-IO; the
// PipeReader loop (ReadAsync, TryReadFrame until NeedMoreData, AdvanceTo(consumed, examined) in finally)
// belongs to the transports.
using System.Buffers;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Wire.Framing;

/// <summary>Length-prefixed frames: unsigned LEB128 body length, then the MessagePack body.</summary>
public static class Frame
{
    /// <summary>Longest length prefix, in bytes.</summary>
    public const int MaxPrefixLength = Leb128.MaxLength;

    /// <summary>
    /// Looks for one frame at the start of <paramref name="buffer"/>. On <see cref="FrameResult.Ok"/>,
    /// <paramref name="body"/> is the frame body (a slice of the buffer) and <paramref name="buffer"/> is advanced
    /// past the frame; on any other result both are left as they were / default.
    /// </summary>
    /// <param name="buffer">Received bytes; advanced past the frame on success.</param>
    /// <param name="maxFrameLength">Largest body length accepted.</param>
    /// <param name="body">The frame body on success.</param>
    //
    //  buffer: [ prefix | body ............ | next frame … ]
    //                   ^ body              ^ buffer after Ok
    public static FrameResult TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxFrameLength, out ReadOnlySequence<byte> body)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFrameLength);
        body = default;
        FrameResult result = Leb128.TryRead(buffer, maxFrameLength, out long length, out int prefixLength);
        if (result != FrameResult.Ok)
        {
            return result;
        }

        if (buffer.Length - prefixLength < length)
        {
            return FrameResult.NeedMoreData;
        }

        body = buffer.Slice(prefixLength, length);
        buffer = buffer.Slice(body.End);
        return FrameResult.Ok;
    }

    /// <summary>
    /// Reads one frame and decodes its body. <paramref name="buffer"/> is advanced past the frame whenever the
    /// frame was complete, including when its body was rejected (so a caller that tolerates
    /// <see cref="DecodeResult.UnknownMessageType"/> stays in sync); it is unchanged on
    /// <see cref="DecodeResult.NeedMoreData"/>, <see cref="DecodeResult.FrameTooLarge"/> and
    /// <see cref="DecodeResult.MalformedLength"/>. Byte fields of the message are slices of the buffer.
    /// </summary>
    public static DecodeResult TryReadMessage(ref ReadOnlySequence<byte> buffer, WireLimits limits, out WireMessage message)
    {
        ArgumentNullException.ThrowIfNull(limits);
        message = default;
        switch (TryReadFrame(ref buffer, limits.MaxFrameLength, out ReadOnlySequence<byte> body))
        {
            case FrameResult.Ok:
                return MessageCodec.TryDecode(body, limits, out message);
            case FrameResult.NeedMoreData:
                return DecodeResult.NeedMoreData;
            case FrameResult.FrameTooLarge:
                return DecodeResult.FrameTooLarge;
            default:
                return DecodeResult.MalformedLength;
        }
    }

    /// <summary>Writes one frame (prefix and body) checked against <see cref="WireLimits.Default"/>.</summary>
    /// <exception cref="ArgumentException">The message would be rejected by a peer.</exception>
    public static void Write(IBufferWriter<byte> output, in WireMessage message) => Write(output, message, WireLimits.Default);

    /// <summary>
    /// Writes one frame (prefix and body) into <paramref name="output"/> without a scratch copy: the body length
    /// is computed first, then the prefix and the body are written in place. Nothing is written if the message
    /// is rejected. Call repeatedly before one flush to coalesce frames.
    /// </summary>
    /// <exception cref="ArgumentException">The message would be rejected by a peer with these limits.</exception>
    //
    //  output: … | LEB128(n) | n body bytes |
    public static void Write(IBufferWriter<byte> output, in WireMessage message, WireLimits limits)
    {
        ArgumentNullException.ThrowIfNull(output);
        int bodyLength = MessageCodec.GetEncodedLength(message, limits);
        Span<byte> prefix = output.GetSpan(MaxPrefixLength);
        output.Advance(Leb128.Write(prefix, (uint)bodyLength));
        MessageCodec.WriteChecked(output, message);
    }

    /// <summary>Exact frame size (prefix and body) for <paramref name="message"/> under <see cref="WireLimits.Default"/>.</summary>
    /// <exception cref="ArgumentException">The message would be rejected by a peer.</exception>
    public static int GetEncodedLength(in WireMessage message) => GetEncodedLength(message, WireLimits.Default);

    /// <summary>Exact frame size (prefix and body) for <paramref name="message"/> under <paramref name="limits"/>.</summary>
    /// <exception cref="ArgumentException">The message would be rejected by a peer with these limits.</exception>
    public static int GetEncodedLength(in WireMessage message, WireLimits limits)
    {
        int bodyLength = MessageCodec.GetEncodedLength(message, limits);
        return Leb128.GetLength((uint)bodyLength) + bodyLength;
    }
}
