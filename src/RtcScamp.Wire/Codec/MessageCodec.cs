// The RtcScamp message codec (protocol version 1).
//
// Every message is one MessagePack array whose first element is the MessageType number and whose remaining
// elements are the message's fields in a fixed order (docs/wire.md has the full table):
//
//   type                     array  fields after the type
//   1 Hello                  4      version:uint16  node:bin16  capabilities:uint64
//   2 Subscribe              6      subscriber:bin16  budget:float64  flags:uint8  contact:bin  route:bin(16k)
//   3 ForwardedSubscription  6      subscriber:bin16  hops:uint8  flags:uint8  contact:bin  route:bin(16k)
//   4 Accept                 4      keeper:bin16  subscriber:bin16  flags:uint8
//   5 Unsubscribe            4      leaver:bin16  replacement:bin16  replacementContact:bin
//   6 Remove                 2      arc:uint8
//   7 Heartbeat              2      sequence:uint64
//   8 Signal                 7      source:bin16  target:bin16  kind:uint8  hop:uint8  route:bin(16k)  payload:bin
//   9 Broadcast              5      origin:bin16  sequence:uint64  hops:uint8  payload:bin
//
// MessagePack itself: https://github.com/msgpack/msgpack/blob/master/spec.md ("Formats" for the byte codes).
// No formatters, no resolvers, no reflection: the codec reads and writes MessagePack format codes itself, in two
// tiers after MessagePack-CSharp's own design. The fast path works on one span: a body in one segment is decoded
// by MessageSpanReader, and a message whose destination span holds it whole is written by MessageSpanWriter. The
// slow path, for a body split across segments or a message larger than the destination's span, uses MessagePack's
// MessagePackReader/MessagePackWriter (MessageBodyReader, MessagePackFieldWriter). The per-type field order is
// written once, generic over the reader or writer, and the two paths agree byte for byte and result for result
// (CodecPathProperties). Decoding is strict for version 1: the array length must match the type exactly, every field
// must have the expected MessagePack type and range, and nothing may follow the array inside the frame body.
// Integers are accepted in any MessagePack integer form that holds the value (other encoders, e.g. a browser's,
// need not pick the shortest one); the writer always emits the shortest form. Byte fields are returned as slices
// of the decoded input: nothing is copied and nothing is allocated.
using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Wire.Codec;

/// <summary>
/// Encodes and decodes <see cref="WireMessage"/> values as MessagePack arrays <c>[type, fields…]</c>, allocation-free.
/// Decoding never throws on any input bytes; writing throws <see cref="ArgumentException"/> on caller misuse
/// (a field a peer would reject, such as a route longer than the limits).
/// </summary>
public static class MessageCodec
{
    private const ulong MaxByte = byte.MaxValue;
    private const SubscribeFlags AllSubscribeFlags = SubscribeFlags.Lease | SubscribeFlags.Isolated | SubscribeFlags.Replacement;

    /// <summary>
    /// Decodes one frame body (without its length prefix). Byte fields of <paramref name="message"/> are slices
    /// of <paramref name="body"/> and valid only as long as that memory is.
    /// </summary>
    /// <param name="body">Exactly one frame body.</param>
    /// <param name="limits">Bounds on frame, payload, contact and route sizes.</param>
    /// <param name="message">The message when the result is <see cref="DecodeResult.Ok"/>; otherwise default.</param>
    /// <returns><see cref="DecodeResult.Ok"/> or why the body was rejected; never <see cref="DecodeResult.NeedMoreData"/>.</returns>
    public static DecodeResult TryDecode(in ReadOnlySequence<byte> body, WireLimits limits, out WireMessage message)
    {
        int maxHops = CheckLimits(limits);
        if (body.Length > limits.MaxFrameLength)
        {
            message = default;
            return DecodeResult.FrameTooLarge;
        }

        // A frame inside one pipe segment or one datagram (nearly all of them) is read from its span; only a frame
        // straddling segments pays for MessagePackReader's sequence reader. Both readers accept exactly the same
        // bytes (CodecPathProperties).
        return body.IsSingleSegment
            ? DecodeWithSpanReader(body, limits, maxHops, out message)
            : DecodeWithSequenceReader(body, limits, maxHops, out message);
    }

    /// <summary>
    /// <see cref="TryDecode"/> forced onto the span fast path (<see cref="MessageSpanReader"/>), for tests that
    /// compare the two paths. <paramref name="body"/> must be a single segment.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="body"/> has more than one segment.</exception>
    internal static DecodeResult TryDecodeWithSpanReader(in ReadOnlySequence<byte> body, WireLimits limits, out WireMessage message)
    {
        int maxHops = CheckLimits(limits);
        if (!body.IsSingleSegment)
        {
            ThrowInvalid("The span reader needs a single-segment body.");
        }

        message = default;
        if (body.Length > limits.MaxFrameLength)
        {
            return DecodeResult.FrameTooLarge;
        }

        return DecodeWithSpanReader(body, limits, maxHops, out message);
    }

    /// <summary>
    /// <see cref="TryDecode"/> forced onto the MessagePackReader path (<see cref="MessageBodyReader"/>), whatever the
    /// number of segments, for tests that compare the two paths.
    /// </summary>
    internal static DecodeResult TryDecodeWithSequenceReader(in ReadOnlySequence<byte> body, WireLimits limits, out WireMessage message)
    {
        int maxHops = CheckLimits(limits);
        message = default;
        if (body.Length > limits.MaxFrameLength)
        {
            return DecodeResult.FrameTooLarge;
        }

        return DecodeWithSequenceReader(body, limits, maxHops, out message);
    }

    // One method per reader with the body decoder inlined into it, and the Broadcast and Heartbeat readers inlined
    // into that: the hot messages go from dispatch to their last field without a call (about 20% off Broadcast).
    private static DecodeResult DecodeWithSpanReader(in ReadOnlySequence<byte> body, WireLimits limits, int maxHops, out WireMessage message)
    {
        var reader = new MessageSpanReader(body);
        return DecodeBody(ref reader, limits, maxHops, out message);
    }

    private static DecodeResult DecodeWithSequenceReader(in ReadOnlySequence<byte> body, WireLimits limits, int maxHops, out WireMessage message)
    {
        var reader = new MessageBodyReader(body);
        return DecodeBody(ref reader, limits, maxHops, out message);
    }

    //  body:  [ array header | type | field 1 | … | field n ]   nothing after the array
    /// <summary>The body decoder proper, specialised by the JIT for each reader struct.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DecodeResult DecodeBody<TReader>(ref TReader reader, WireLimits limits, int maxHops, out WireMessage message)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult result = reader.TryReadArrayHeader(out int count);
        if (result != DecodeResult.Ok)
        {
            message = default;
            return result;
        }

        if (count < 1 || reader.TryReadUInt(MaxByte, out ulong type) != DecodeResult.Ok)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        result = (MessageType)type switch
        {
            MessageType.Broadcast => ReadBroadcast(ref reader, count, limits, out message),
            MessageType.Heartbeat => ReadHeartbeat(ref reader, count, out message),
            MessageType.Hello => ReadHello(ref reader, count, out message),
            MessageType.Subscribe => ReadSubscribe(ref reader, count, limits, maxHops, out message),
            MessageType.ForwardedSubscription => ReadForwardedSubscription(ref reader, count, limits, maxHops, out message),
            MessageType.Accept => ReadAccept(ref reader, count, out message),
            MessageType.Unsubscribe => ReadUnsubscribe(ref reader, count, limits, out message),
            MessageType.Remove => ReadRemove(ref reader, count, out message),
            MessageType.Signal => ReadSignal(ref reader, count, limits, maxHops, out message),
            _ => Unknown(out message),
        };
        if (result == DecodeResult.Ok && !reader.End)
        {
            message = default;
            result = DecodeResult.TrailingBytes;
        }

        return result;
    }

    /// <summary>
    /// Writes <paramref name="message"/> as one MessagePack array (no length prefix), checked against
    /// <see cref="WireLimits.Default"/>. Use the overload taking limits when a deployment raised them.
    /// </summary>
    /// <exception cref="ArgumentException">The message would be rejected by a peer (see <see cref="GetEncodedLength(in WireMessage, WireLimits)"/>).</exception>
    public static void Write(IBufferWriter<byte> output, in WireMessage message) => Write(output, message, WireLimits.Default);

    /// <summary>Writes <paramref name="message"/> as one MessagePack array (no length prefix), checked against <paramref name="limits"/>.</summary>
    /// <exception cref="ArgumentException">The message would be rejected by a peer with these limits.</exception>
    public static void Write(IBufferWriter<byte> output, in WireMessage message, WireLimits limits)
    {
        ArgumentNullException.ThrowIfNull(output);
        WriteChecked(output, message, GetEncodedLength(message, limits));
    }

    /// <summary>Exact number of bytes <see cref="Write(IBufferWriter{byte}, in WireMessage)"/> writes for <paramref name="message"/>.</summary>
    /// <exception cref="ArgumentException">The message would be rejected by a peer with <see cref="WireLimits.Default"/>.</exception>
    public static int GetEncodedLength(in WireMessage message) => GetEncodedLength(message, WireLimits.Default);

    /// <summary>
    /// Exact number of bytes the message encodes to, after checking it against <paramref name="limits"/>:
    /// a known type, enum fields within their defined values, a finite budget, routes of at most
    /// <see cref="WireLimits.MaxRoute"/> hops, contacts and payloads within their limits, and a total within
    /// <see cref="WireLimits.MaxFrameLength"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The message would be rejected by a peer with these limits.</exception>
    public static int GetEncodedLength(in WireMessage message, WireLimits limits)
    {
        int maxHops = CheckLimits(limits);
        long length;
        switch (message.Type)
        {
            case MessageType.Hello:
            {
                Hello m = message.AsHello();
                length = 2 + MessagePackFields.UIntLength(m.Version) + MessagePackFields.NodeIdLength + MessagePackFields.UIntLength((ulong)m.Capabilities);
                break;
            }

            case MessageType.Subscribe:
            {
                Subscribe m = message.AsSubscribe();
                CheckFinite(m.Budget);
                CheckFlags(m.Flags);
                length = 2 + MessagePackFields.NodeIdLength + MessagePackFields.DoubleLength + MessagePackFields.UIntLength((ulong)m.Flags)
                    + Contact(m.Contact, limits) + Route(m.Route, maxHops);
                break;
            }

            case MessageType.ForwardedSubscription:
            {
                ForwardedSubscription m = message.AsForwardedSubscription();
                CheckFlags(m.Flags);
                length = 2 + MessagePackFields.NodeIdLength + MessagePackFields.UIntLength(m.Hops) + MessagePackFields.UIntLength((ulong)m.Flags)
                    + Contact(m.Contact, limits) + Route(m.Route, maxHops);
                break;
            }

            case MessageType.Accept:
            {
                Accept m = message.AsAccept();
                CheckFlags(m.Flags);
                length = 2 + (2 * MessagePackFields.NodeIdLength) + MessagePackFields.UIntLength((ulong)m.Flags);
                break;
            }

            case MessageType.Unsubscribe:
            {
                Unsubscribe m = message.AsUnsubscribe();
                length = 2 + (2 * MessagePackFields.NodeIdLength) + Contact(m.ReplacementContact, limits);
                break;
            }

            case MessageType.Remove:
            {
                Remove m = message.AsRemove();
                if (m.Arc is not (RemoveArc.SenderToReceiver or RemoveArc.ReceiverToSender))
                {
                    ThrowInvalid("Remove.Arc is not a defined RemoveArc.");
                }

                length = 2 + MessagePackFields.UIntLength((ulong)m.Arc);
                break;
            }

            case MessageType.Heartbeat:
                length = 2 + MessagePackFields.UIntLength(message.AsHeartbeat().Sequence);
                break;

            case MessageType.Signal:
            {
                Signal m = message.AsSignal();
                if (m.Kind is not (SignalKind.Offer or SignalKind.Answer or SignalKind.Unreachable))
                {
                    ThrowInvalid("Signal.Kind is not a defined SignalKind.");
                }

                length = 2 + (2 * MessagePackFields.NodeIdLength) + MessagePackFields.UIntLength((ulong)m.Kind) + MessagePackFields.UIntLength(m.Hop)
                    + Route(m.Route, maxHops) + Payload(m.Payload, limits);
                break;
            }

            case MessageType.Broadcast:
            {
                Broadcast m = message.AsBroadcast();
                length = 2 + MessagePackFields.NodeIdLength + MessagePackFields.UIntLength(m.Id.Sequence) + MessagePackFields.UIntLength(m.Hops)
                    + Payload(m.Payload, limits);
                break;
            }

            default:
                ThrowInvalid("The message has no known type (a default WireMessage?).");
                return 0;
        }

        if (length > limits.MaxFrameLength)
        {
            ThrowInvalid("The encoded message is longer than WireLimits.MaxFrameLength.");
        }

        return (int)length;
    }

    /// <summary>
    /// Largest span asked of the destination for the fast path: one memory-pool block (the 4 KiB segment of a
    /// default Pipe or of Kestrel's pool), so asking never makes a pipe allocate an oversized segment.
    /// </summary>
    private const int SpanWriteHint = 4096;

    /// <summary>
    /// Writes a message that <see cref="GetEncodedLength(in WireMessage, WireLimits)"/> accepted and measured at
    /// <paramref name="length"/> bytes. When the destination's next span holds the whole message (nearly always:
    /// the message fits the free part of a buffer or of a pipe segment) the bytes go straight into it; otherwise
    /// MessagePackWriter spreads them over the destination's segments. Both give the same bytes.
    /// </summary>
    internal static void WriteChecked(IBufferWriter<byte> output, in WireMessage message, int length)
    {
        Span<byte> span = output.GetSpan(Math.Min(length, SpanWriteHint));
        if (span.Length >= length)
        {
            WriteChecked(span, message, length);
            output.Advance(length);
        }
        else
        {
            WriteWithMessagePackWriter(output, message);
        }
    }

    /// <summary>Writes an accepted message of <paramref name="length"/> bytes into the start of <paramref name="destination"/>.</summary>
    internal static void WriteChecked(Span<byte> destination, in WireMessage message, int length)
    {
        var writer = new MessageSpanWriter(destination[..length]);
        WriteFields(ref writer, message);
        Debug.Assert(writer.Written == length, "GetEncodedLength and the span writer disagree.");
    }

    /// <summary>The writer's slow path (MessagePackWriter), forced: for large messages and for tests comparing the paths.</summary>
    internal static void WriteWithMessagePackWriter(IBufferWriter<byte> output, in WireMessage message)
    {
        var writer = new MessagePackFieldWriter(output);
        WriteFields(ref writer, message);
        writer.Flush();
    }

    //  [ fixarray(n) | type:fixint | fields… ]   each field in its shortest MessagePack form
    /// <summary>The field order of every message, specialised by the JIT for each writer struct.</summary>
    private static void WriteFields<TWriter>(ref TWriter writer, in WireMessage message)
        where TWriter : IMessageFieldWriter, allows ref struct
    {
        switch (message.Type)
        {
            case MessageType.Hello:
            {
                Hello m = message.AsHello();
                writer.WriteArrayHeader(4);
                writer.WriteUInt((ulong)MessageType.Hello);
                writer.WriteUInt(m.Version);
                writer.WriteNodeId(m.Node);
                writer.WriteUInt((ulong)m.Capabilities);
                break;
            }

            case MessageType.Subscribe:
            {
                Subscribe m = message.AsSubscribe();
                writer.WriteArrayHeader(6);
                writer.WriteUInt((ulong)MessageType.Subscribe);
                writer.WriteNodeId(m.Subscriber);
                writer.WriteDouble(m.Budget);
                writer.WriteUInt((ulong)m.Flags);
                writer.WriteBin(m.Contact);
                writer.WriteBin(m.Route.Bytes);
                break;
            }

            case MessageType.ForwardedSubscription:
            {
                ForwardedSubscription m = message.AsForwardedSubscription();
                writer.WriteArrayHeader(6);
                writer.WriteUInt((ulong)MessageType.ForwardedSubscription);
                writer.WriteNodeId(m.Subscriber);
                writer.WriteUInt((ulong)m.Hops);
                writer.WriteUInt((ulong)m.Flags);
                writer.WriteBin(m.Contact);
                writer.WriteBin(m.Route.Bytes);
                break;
            }

            case MessageType.Accept:
            {
                Accept m = message.AsAccept();
                writer.WriteArrayHeader(4);
                writer.WriteUInt((ulong)MessageType.Accept);
                writer.WriteNodeId(m.Keeper);
                writer.WriteNodeId(m.Subscriber);
                writer.WriteUInt((ulong)m.Flags);
                break;
            }

            case MessageType.Unsubscribe:
            {
                Unsubscribe m = message.AsUnsubscribe();
                writer.WriteArrayHeader(4);
                writer.WriteUInt((ulong)MessageType.Unsubscribe);
                writer.WriteNodeId(m.Leaver);
                writer.WriteNodeId(m.Replacement);
                writer.WriteBin(m.ReplacementContact);
                break;
            }

            case MessageType.Remove:
                writer.WriteArrayHeader(2);
                writer.WriteUInt((ulong)MessageType.Remove);
                writer.WriteUInt((ulong)message.AsRemove().Arc);
                break;

            case MessageType.Heartbeat:
                writer.WriteArrayHeader(2);
                writer.WriteUInt((ulong)MessageType.Heartbeat);
                writer.WriteUInt(message.AsHeartbeat().Sequence);
                break;

            case MessageType.Signal:
            {
                Signal m = message.AsSignal();
                writer.WriteArrayHeader(7);
                writer.WriteUInt((ulong)MessageType.Signal);
                writer.WriteNodeId(m.Source);
                writer.WriteNodeId(m.Target);
                writer.WriteUInt((ulong)m.Kind);
                writer.WriteUInt((ulong)m.Hop);
                writer.WriteBin(m.Route.Bytes);
                writer.WriteBin(m.Payload);
                break;
            }

            case MessageType.Broadcast:
            {
                Broadcast m = message.AsBroadcast();
                writer.WriteArrayHeader(5);
                writer.WriteUInt((ulong)MessageType.Broadcast);
                writer.WriteNodeId(m.Id.Origin);
                writer.WriteUInt(m.Id.Sequence);
                writer.WriteUInt((ulong)m.Hops);
                writer.WriteBin(m.Payload);
                break;
            }

            default:
                ThrowInvalid("The message has no known type (a default WireMessage?).");
                break;
        }
    }

    private static DecodeResult ReadHello<TReader>(ref TReader reader, int count, out WireMessage message)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult r;
        if (count != 4)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadUInt(ushort.MaxValue, out ulong version)) != DecodeResult.Ok
            || (r = reader.TryReadNodeId(out NodeId node)) != DecodeResult.Ok
            || (r = reader.TryReadUInt(ulong.MaxValue, out ulong capabilities)) != DecodeResult.Ok)
        {
            message = default;
            return r;
        }

        message = new Hello((ushort)version, node, (Capabilities)capabilities);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadSubscribe<TReader>(ref TReader reader, int count, WireLimits limits, int maxHops, out WireMessage message)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult r;
        if (count != 6)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId subscriber)) != DecodeResult.Ok
            || (r = reader.TryReadFiniteDouble(out double budget)) != DecodeResult.Ok
            || (r = ReadFlags(ref reader, out SubscribeFlags flags)) != DecodeResult.Ok
            || (r = reader.TryReadBin(limits.MaxContactLength, out ReadOnlySequence<byte> contact)) != DecodeResult.Ok
            || (r = reader.TryReadRoute(maxHops, out ReadOnlySequence<byte> route)) != DecodeResult.Ok)
        {
            message = default;
            return r;
        }

        message = new Subscribe(subscriber, budget, flags, contact, new NodeRoute(route));
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadForwardedSubscription<TReader>(ref TReader reader, int count, WireLimits limits, int maxHops, out WireMessage message)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult r;
        if (count != 6)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId subscriber)) != DecodeResult.Ok
            || (r = reader.TryReadUInt(MaxByte, out ulong hops)) != DecodeResult.Ok
            || (r = ReadFlags(ref reader, out SubscribeFlags flags)) != DecodeResult.Ok
            || (r = reader.TryReadBin(limits.MaxContactLength, out ReadOnlySequence<byte> contact)) != DecodeResult.Ok
            || (r = reader.TryReadRoute(maxHops, out ReadOnlySequence<byte> route)) != DecodeResult.Ok)
        {
            message = default;
            return r;
        }

        message = new ForwardedSubscription(subscriber, (byte)hops, flags, contact, new NodeRoute(route));
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadAccept<TReader>(ref TReader reader, int count, out WireMessage message)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult r;
        if (count != 4)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId keeper)) != DecodeResult.Ok
            || (r = reader.TryReadNodeId(out NodeId subscriber)) != DecodeResult.Ok
            || (r = ReadFlags(ref reader, out SubscribeFlags flags)) != DecodeResult.Ok)
        {
            message = default;
            return r;
        }

        message = new Accept(keeper, subscriber, flags);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadUnsubscribe<TReader>(ref TReader reader, int count, WireLimits limits, out WireMessage message)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult r;
        if (count != 4)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId leaver)) != DecodeResult.Ok
            || (r = reader.TryReadNodeId(out NodeId replacement)) != DecodeResult.Ok
            || (r = reader.TryReadBin(limits.MaxContactLength, out ReadOnlySequence<byte> contact)) != DecodeResult.Ok)
        {
            message = default;
            return r;
        }

        message = new Unsubscribe(leaver, replacement, contact);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadRemove<TReader>(ref TReader reader, int count, out WireMessage message)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult r;
        if (count != 2)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadUInt((ulong)RemoveArc.ReceiverToSender, out ulong arc)) != DecodeResult.Ok)
        {
            message = default;
            return r;
        }

        message = new Remove((RemoveArc)arc);
        return DecodeResult.Ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DecodeResult ReadHeartbeat<TReader>(ref TReader reader, int count, out WireMessage message)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult r;
        if (count != 2)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadUInt(ulong.MaxValue, out ulong sequence)) != DecodeResult.Ok)
        {
            message = default;
            return r;
        }

        message = new Heartbeat(sequence);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadSignal<TReader>(ref TReader reader, int count, WireLimits limits, int maxHops, out WireMessage message)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult r;
        if (count != 7)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId source)) != DecodeResult.Ok
            || (r = reader.TryReadNodeId(out NodeId target)) != DecodeResult.Ok
            || (r = reader.TryReadUInt((ulong)SignalKind.Unreachable, out ulong kind)) != DecodeResult.Ok
            || (r = reader.TryReadUInt(MaxByte, out ulong hop)) != DecodeResult.Ok
            || (r = reader.TryReadRoute(maxHops, out ReadOnlySequence<byte> route)) != DecodeResult.Ok
            || (r = reader.TryReadBin(limits.MaxPayloadLength, out ReadOnlySequence<byte> payload)) != DecodeResult.Ok)
        {
            message = default;
            return r;
        }

        if (kind < (ulong)SignalKind.Offer)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        message = new Signal(source, target, (SignalKind)kind, (byte)hop, new NodeRoute(route), payload);
        return DecodeResult.Ok;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static DecodeResult ReadBroadcast<TReader>(ref TReader reader, int count, WireLimits limits, out WireMessage message)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult r;
        if (count != 5)
        {
            message = default;
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId origin)) != DecodeResult.Ok
            || (r = reader.TryReadUInt(ulong.MaxValue, out ulong sequence)) != DecodeResult.Ok
            || (r = reader.TryReadUInt(MaxByte, out ulong hops)) != DecodeResult.Ok
            || (r = reader.TryReadBin(limits.MaxPayloadLength, out ReadOnlySequence<byte> payload)) != DecodeResult.Ok)
        {
            message = default;
            return r;
        }

        message = new Broadcast(new MessageId(origin, sequence), (byte)hops, payload);
        return DecodeResult.Ok;
    }

    private static DecodeResult Unknown(out WireMessage message)
    {
        message = default;
        return DecodeResult.UnknownMessageType;
    }

    private static DecodeResult ReadFlags<TReader>(ref TReader reader, out SubscribeFlags flags)
        where TReader : IMessageFieldReader, allows ref struct
    {
        DecodeResult r = reader.TryReadUInt(MaxByte, out ulong value);
        flags = (SubscribeFlags)value;
        if (r == DecodeResult.Ok && (flags & ~AllSubscribeFlags) != 0)
        {
            flags = default;
            return DecodeResult.MalformedField;
        }

        return r;
    }

    /// <summary>Validates the limits and returns the effective route cap in hops.</summary>
    private static int CheckLimits(WireLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.MaxRoute is < 0 or > WireLimits.MaxRouteLength || limits.MaxFrameLength < 0 || limits.MaxPayloadLength < 0 || limits.MaxContactLength < 0)
        {
            ThrowInvalidLimits();
        }

        return limits.MaxRoute;
    }

    private static void CheckFinite(double budget)
    {
        if (!double.IsFinite(budget))
        {
            ThrowInvalid("Subscribe.Budget must be finite.");
        }
    }

    private static void CheckFlags(SubscribeFlags flags)
    {
        if ((flags & ~AllSubscribeFlags) != 0)
        {
            ThrowInvalid("SubscribeFlags has undefined bits set.");
        }
    }

    private static long Contact(in ReadOnlySequence<byte> contact, WireLimits limits)
    {
        if (contact.Length > limits.MaxContactLength)
        {
            ThrowInvalid("The contact is longer than WireLimits.MaxContactLength.");
        }

        return MessagePackFields.BinLength(contact.Length);
    }

    private static long Payload(in ReadOnlySequence<byte> payload, WireLimits limits)
    {
        if (payload.Length > limits.MaxPayloadLength)
        {
            ThrowInvalid("The payload is longer than WireLimits.MaxPayloadLength.");
        }

        return MessagePackFields.BinLength(payload.Length);
    }

    private static long Route(in NodeRoute route, int maxHops)
    {
        if (route.Count > maxHops)
        {
            ThrowInvalid("The route has more hops than WireLimits.MaxRoute.");
        }

        return MessagePackFields.BinLength(route.Bytes.Length);
    }

    [DoesNotReturn]
    private static void ThrowInvalid(string reason) => throw new ArgumentException(reason);

    [DoesNotReturn]
    private static void ThrowInvalidLimits() =>
        throw new ArgumentException($"WireLimits must be non-negative and MaxRoute at most {WireLimits.MaxRouteLength}.");
}
