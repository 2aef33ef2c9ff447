using System.Buffers;

namespace RtcScamp.Wire.Codec;

/// <summary>
/// The value shapes a message body is made of, read strictly and without exceptions. Two readers implement it:
/// <see cref="MessageSpanReader"/> (the fast path, a plain span when the body is one segment) and
/// <see cref="MessageBodyReader"/> (MessagePack's reader, for a body split across segments). The per-type field
/// order lives once in <see cref="MessageCodec"/>, generic over the reader, so both paths decode through the same
/// code and the JIT specialises it for each reader struct (no interface dispatch at run time).
/// </summary>
/// <remarks>
/// Every method returns <see cref="DecodeResult.Ok"/> and consumes the value, or returns why not; after a non-Ok
/// result the reader's position is unspecified and the caller stops. Both implementations must give the same
/// result and the same value for every input: <c>CodecPathProperties</c> checks it.
/// </remarks>
internal interface IMessageFieldReader
{
    /// <summary>True when every byte of the body was consumed.</summary>
    bool End { get; }

    /// <summary>An array header (fixarray, array16, array32); the count as MessagePack gives it (array32 above 2³¹−1 is negative).</summary>
    DecodeResult TryReadArrayHeader(out int count);

    /// <summary>An integer in any MessagePack integer form whose value is ≥ 0 and ≤ <paramref name="max"/>; otherwise malformed.</summary>
    DecodeResult TryReadUInt(ulong max, out ulong value);

    /// <summary>A finite double from float64, float32 or any integer form.</summary>
    DecodeResult TryReadFiniteDouble(out double value);

    /// <summary>
    /// A bin value as a slice of the body; <see cref="DecodeResult.LimitExceeded"/> if its header announces more than
    /// <paramref name="maxLength"/> bytes, malformed if fewer bytes than announced remain.
    /// </summary>
    DecodeResult TryReadBin(int maxLength, out ReadOnlySequence<byte> bytes);

    /// <summary>A bin of exactly 16 bytes; anything else (other lengths included) is malformed.</summary>
    DecodeResult TryReadNodeId(out NodeId id);

    /// <summary>A bin of 16·k bytes, k ≤ <paramref name="maxHops"/> (more is <see cref="DecodeResult.LimitExceeded"/>).</summary>
    DecodeResult TryReadRoute(int maxHops, out ReadOnlySequence<byte> route);
}
