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
// The codec uses only MessagePack's low-level MessagePackReader/MessagePackWriter (no formatters, no resolvers,
// no reflection). Decoding is strict for version 1: the array length must match the type exactly, every field
// must have the expected MessagePack type and range, and nothing may follow the array inside the frame body.
// Integers are accepted in any MessagePack integer form that holds the value (other encoders, e.g. a browser's,
// need not pick the shortest one); the writer always emits the shortest form. Byte fields are returned as slices
// of the decoded input: nothing is copied and nothing is allocated.
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using MessagePack;
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
    //
    //  body:  [ array header | type | field 1 | … | field n ]   nothing after the array
    public static DecodeResult TryDecode(in ReadOnlySequence<byte> body, WireLimits limits, out WireMessage message)
    {
        int maxHops = CheckLimits(limits);
        message = default;
        if (body.Length > limits.MaxFrameLength)
        {
            return DecodeResult.FrameTooLarge;
        }

        var reader = new MessageBodyReader(body);
        DecodeResult result = reader.TryReadArrayHeader(out int count);
        if (result != DecodeResult.Ok)
        {
            return result;
        }

        if (count < 1 || (result = reader.TryReadUInt(MaxByte, out ulong type)) != DecodeResult.Ok)
        {
            return DecodeResult.MalformedField;
        }

        result = (MessageType)type switch
        {
            MessageType.Hello => ReadHello(ref reader, count, out message),
            MessageType.Subscribe => ReadSubscribe(ref reader, count, limits, maxHops, out message),
            MessageType.ForwardedSubscription => ReadForwardedSubscription(ref reader, count, limits, maxHops, out message),
            MessageType.Accept => ReadAccept(ref reader, count, out message),
            MessageType.Unsubscribe => ReadUnsubscribe(ref reader, count, limits, out message),
            MessageType.Remove => ReadRemove(ref reader, count, out message),
            MessageType.Heartbeat => ReadHeartbeat(ref reader, count, out message),
            MessageType.Signal => ReadSignal(ref reader, count, limits, maxHops, out message),
            MessageType.Broadcast => ReadBroadcast(ref reader, count, limits, out message),
            _ => DecodeResult.UnknownMessageType,
        };
        if (result == DecodeResult.Ok && !reader.End)
        {
            result = DecodeResult.TrailingBytes;
        }

        if (result != DecodeResult.Ok)
        {
            message = default;
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
        GetEncodedLength(message, limits);
        WriteChecked(output, message);
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

    /// <summary>Writes a message that <see cref="GetEncodedLength(in WireMessage, WireLimits)"/> accepted.</summary>
    //
    //  [ fixarray(n) | type:fixint | fields… ]   each field in its shortest MessagePack form
    internal static void WriteChecked(IBufferWriter<byte> output, in WireMessage message)
    {
        var writer = new MessagePackWriter(output);
        switch (message.Type)
        {
            case MessageType.Hello:
            {
                Hello m = message.AsHello();
                writer.WriteArrayHeader(4);
                writer.Write((uint)MessageType.Hello);
                writer.Write(m.Version);
                MessagePackFields.WriteNodeId(ref writer, m.Node);
                writer.Write((ulong)m.Capabilities);
                break;
            }

            case MessageType.Subscribe:
            {
                Subscribe m = message.AsSubscribe();
                writer.WriteArrayHeader(6);
                writer.Write((uint)MessageType.Subscribe);
                MessagePackFields.WriteNodeId(ref writer, m.Subscriber);
                writer.Write(m.Budget);
                writer.Write((uint)m.Flags);
                writer.Write(m.Contact);
                writer.Write(m.Route.Bytes);
                break;
            }

            case MessageType.ForwardedSubscription:
            {
                ForwardedSubscription m = message.AsForwardedSubscription();
                writer.WriteArrayHeader(6);
                writer.Write((uint)MessageType.ForwardedSubscription);
                MessagePackFields.WriteNodeId(ref writer, m.Subscriber);
                writer.Write((uint)m.Hops);
                writer.Write((uint)m.Flags);
                writer.Write(m.Contact);
                writer.Write(m.Route.Bytes);
                break;
            }

            case MessageType.Accept:
            {
                Accept m = message.AsAccept();
                writer.WriteArrayHeader(4);
                writer.Write((uint)MessageType.Accept);
                MessagePackFields.WriteNodeId(ref writer, m.Keeper);
                MessagePackFields.WriteNodeId(ref writer, m.Subscriber);
                writer.Write((uint)m.Flags);
                break;
            }

            case MessageType.Unsubscribe:
            {
                Unsubscribe m = message.AsUnsubscribe();
                writer.WriteArrayHeader(4);
                writer.Write((uint)MessageType.Unsubscribe);
                MessagePackFields.WriteNodeId(ref writer, m.Leaver);
                MessagePackFields.WriteNodeId(ref writer, m.Replacement);
                writer.Write(m.ReplacementContact);
                break;
            }

            case MessageType.Remove:
                writer.WriteArrayHeader(2);
                writer.Write((uint)MessageType.Remove);
                writer.Write((uint)message.AsRemove().Arc);
                break;

            case MessageType.Heartbeat:
                writer.WriteArrayHeader(2);
                writer.Write((uint)MessageType.Heartbeat);
                writer.Write(message.AsHeartbeat().Sequence);
                break;

            case MessageType.Signal:
            {
                Signal m = message.AsSignal();
                writer.WriteArrayHeader(7);
                writer.Write((uint)MessageType.Signal);
                MessagePackFields.WriteNodeId(ref writer, m.Source);
                MessagePackFields.WriteNodeId(ref writer, m.Target);
                writer.Write((uint)m.Kind);
                writer.Write((uint)m.Hop);
                writer.Write(m.Route.Bytes);
                writer.Write(m.Payload);
                break;
            }

            case MessageType.Broadcast:
            {
                Broadcast m = message.AsBroadcast();
                writer.WriteArrayHeader(5);
                writer.Write((uint)MessageType.Broadcast);
                MessagePackFields.WriteNodeId(ref writer, m.Id.Origin);
                writer.Write(m.Id.Sequence);
                writer.Write((uint)m.Hops);
                writer.Write(m.Payload);
                break;
            }

            default:
                ThrowInvalid("The message has no known type (a default WireMessage?).");
                break;
        }

        writer.Flush();
    }

    private static DecodeResult ReadHello(ref MessageBodyReader reader, int count, out WireMessage message)
    {
        message = default;
        DecodeResult r;
        if (count != 4)
        {
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadUInt(ushort.MaxValue, out ulong version)) != DecodeResult.Ok
            || (r = reader.TryReadNodeId(out NodeId node)) != DecodeResult.Ok
            || (r = reader.TryReadUInt(ulong.MaxValue, out ulong capabilities)) != DecodeResult.Ok)
        {
            return r;
        }

        message = new Hello((ushort)version, node, (Capabilities)capabilities);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadSubscribe(ref MessageBodyReader reader, int count, WireLimits limits, int maxHops, out WireMessage message)
    {
        message = default;
        DecodeResult r;
        if (count != 6)
        {
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId subscriber)) != DecodeResult.Ok
            || (r = reader.TryReadFiniteDouble(out double budget)) != DecodeResult.Ok
            || (r = ReadFlags(ref reader, out SubscribeFlags flags)) != DecodeResult.Ok
            || (r = reader.TryReadBin(limits.MaxContactLength, out ReadOnlySequence<byte> contact)) != DecodeResult.Ok
            || (r = reader.TryReadRoute(maxHops, out ReadOnlySequence<byte> route)) != DecodeResult.Ok)
        {
            return r;
        }

        message = new Subscribe(subscriber, budget, flags, contact, new NodeRoute(route));
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadForwardedSubscription(ref MessageBodyReader reader, int count, WireLimits limits, int maxHops, out WireMessage message)
    {
        message = default;
        DecodeResult r;
        if (count != 6)
        {
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId subscriber)) != DecodeResult.Ok
            || (r = reader.TryReadUInt(MaxByte, out ulong hops)) != DecodeResult.Ok
            || (r = ReadFlags(ref reader, out SubscribeFlags flags)) != DecodeResult.Ok
            || (r = reader.TryReadBin(limits.MaxContactLength, out ReadOnlySequence<byte> contact)) != DecodeResult.Ok
            || (r = reader.TryReadRoute(maxHops, out ReadOnlySequence<byte> route)) != DecodeResult.Ok)
        {
            return r;
        }

        message = new ForwardedSubscription(subscriber, (byte)hops, flags, contact, new NodeRoute(route));
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadAccept(ref MessageBodyReader reader, int count, out WireMessage message)
    {
        message = default;
        DecodeResult r;
        if (count != 4)
        {
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId keeper)) != DecodeResult.Ok
            || (r = reader.TryReadNodeId(out NodeId subscriber)) != DecodeResult.Ok
            || (r = ReadFlags(ref reader, out SubscribeFlags flags)) != DecodeResult.Ok)
        {
            return r;
        }

        message = new Accept(keeper, subscriber, flags);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadUnsubscribe(ref MessageBodyReader reader, int count, WireLimits limits, out WireMessage message)
    {
        message = default;
        DecodeResult r;
        if (count != 4)
        {
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId leaver)) != DecodeResult.Ok
            || (r = reader.TryReadNodeId(out NodeId replacement)) != DecodeResult.Ok
            || (r = reader.TryReadBin(limits.MaxContactLength, out ReadOnlySequence<byte> contact)) != DecodeResult.Ok)
        {
            return r;
        }

        message = new Unsubscribe(leaver, replacement, contact);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadRemove(ref MessageBodyReader reader, int count, out WireMessage message)
    {
        message = default;
        DecodeResult r;
        if (count != 2)
        {
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadUInt((ulong)RemoveArc.ReceiverToSender, out ulong arc)) != DecodeResult.Ok)
        {
            return r;
        }

        message = new Remove((RemoveArc)arc);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadHeartbeat(ref MessageBodyReader reader, int count, out WireMessage message)
    {
        message = default;
        DecodeResult r;
        if (count != 2)
        {
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadUInt(ulong.MaxValue, out ulong sequence)) != DecodeResult.Ok)
        {
            return r;
        }

        message = new Heartbeat(sequence);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadSignal(ref MessageBodyReader reader, int count, WireLimits limits, int maxHops, out WireMessage message)
    {
        message = default;
        DecodeResult r;
        if (count != 7)
        {
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId source)) != DecodeResult.Ok
            || (r = reader.TryReadNodeId(out NodeId target)) != DecodeResult.Ok
            || (r = reader.TryReadUInt((ulong)SignalKind.Unreachable, out ulong kind)) != DecodeResult.Ok
            || (r = reader.TryReadUInt(MaxByte, out ulong hop)) != DecodeResult.Ok
            || (r = reader.TryReadRoute(maxHops, out ReadOnlySequence<byte> route)) != DecodeResult.Ok
            || (r = reader.TryReadBin(limits.MaxPayloadLength, out ReadOnlySequence<byte> payload)) != DecodeResult.Ok)
        {
            return r;
        }

        if (kind < (ulong)SignalKind.Offer)
        {
            return DecodeResult.MalformedField;
        }

        message = new Signal(source, target, (SignalKind)kind, (byte)hop, new NodeRoute(route), payload);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadBroadcast(ref MessageBodyReader reader, int count, WireLimits limits, out WireMessage message)
    {
        message = default;
        DecodeResult r;
        if (count != 5)
        {
            return DecodeResult.MalformedField;
        }

        if ((r = reader.TryReadNodeId(out NodeId origin)) != DecodeResult.Ok
            || (r = reader.TryReadUInt(ulong.MaxValue, out ulong sequence)) != DecodeResult.Ok
            || (r = reader.TryReadUInt(MaxByte, out ulong hops)) != DecodeResult.Ok
            || (r = reader.TryReadBin(limits.MaxPayloadLength, out ReadOnlySequence<byte> payload)) != DecodeResult.Ok)
        {
            return r;
        }

        message = new Broadcast(new MessageId(origin, sequence), (byte)hops, payload);
        return DecodeResult.Ok;
    }

    private static DecodeResult ReadFlags(ref MessageBodyReader reader, out SubscribeFlags flags)
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
