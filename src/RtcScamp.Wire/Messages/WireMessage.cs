using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace RtcScamp.Wire.Messages;

/// <summary>
/// Any one protocol message, as a tagged union value type: what the codec decodes into and what the engine
/// emits, without boxing or allocation. Construct with the implicit conversions from each message struct;
/// read with <see cref="Type"/> and the matching <c>As…</c> accessor (a mismatch is caller misuse and throws).
/// Byte fields alias the buffer the message was decoded from.
/// </summary>
public readonly struct WireMessage
{
    // Field packing per type (see the As… accessors): two NodeIds, one ulong, one double, two bytes,
    // two byte sequences. Kept flat so a WireMessage copies as one small struct.
    private readonly NodeId _id1;
    private readonly NodeId _id2;
    private readonly ulong _number;
    private readonly double _real;
    private readonly byte _byte1;
    private readonly byte _byte2;
    private readonly ReadOnlySequence<byte> _bytes1;
    private readonly ReadOnlySequence<byte> _bytes2;

    private WireMessage(MessageType type, NodeId id1 = default, NodeId id2 = default, ulong number = 0, double real = 0,
        byte byte1 = 0, byte byte2 = 0, ReadOnlySequence<byte> bytes1 = default, ReadOnlySequence<byte> bytes2 = default)
    {
        Type = type;
        _id1 = id1;
        _id2 = id2;
        _number = number;
        _real = real;
        _byte1 = byte1;
        _byte2 = byte2;
        _bytes1 = bytes1;
        _bytes2 = bytes2;
    }

    /// <summary>Which message this is; 0 for a default (empty) value.</summary>
    public MessageType Type { get; }

    public static implicit operator WireMessage(in Hello m) => new(MessageType.Hello, m.Node, number: (ulong)m.Capabilities, byte1: (byte)(m.Version >> 8), byte2: (byte)m.Version);

    public static implicit operator WireMessage(in Subscribe m) => new(MessageType.Subscribe, m.Subscriber, real: m.Budget, byte1: (byte)m.Flags, bytes1: m.Contact, bytes2: m.Route.Bytes);

    public static implicit operator WireMessage(in ForwardedSubscription m) => new(MessageType.ForwardedSubscription, m.Subscriber, byte1: (byte)m.Flags, byte2: m.Hops, bytes1: m.Contact, bytes2: m.Route.Bytes);

    public static implicit operator WireMessage(in Accept m) => new(MessageType.Accept, m.Keeper, m.Subscriber, byte1: (byte)m.Flags);

    public static implicit operator WireMessage(in Unsubscribe m) => new(MessageType.Unsubscribe, m.Leaver, m.Replacement, bytes1: m.ReplacementContact);

    public static implicit operator WireMessage(in Remove m) => new(MessageType.Remove, byte1: (byte)m.Arc);

    public static implicit operator WireMessage(in Heartbeat m) => new(MessageType.Heartbeat, number: m.Sequence);

    public static implicit operator WireMessage(in Signal m) => new(MessageType.Signal, m.Source, m.Target, byte1: (byte)m.Kind, byte2: m.Hop, bytes1: m.Payload, bytes2: m.Route.Bytes);

    public static implicit operator WireMessage(in Broadcast m) => new(MessageType.Broadcast, m.Id.Origin, number: m.Id.Sequence, byte2: m.Hops, bytes1: m.Payload);

    /// <summary>The <see cref="Hello"/> this holds.</summary>
    public Hello AsHello() => Expect(MessageType.Hello) ? new Hello((ushort)((_byte1 << 8) | _byte2), _id1, (Capabilities)_number) : default;

    /// <summary>The <see cref="Subscribe"/> this holds.</summary>
    public Subscribe AsSubscribe() => Expect(MessageType.Subscribe) ? new Subscribe(_id1, _real, (SubscribeFlags)_byte1, _bytes1, new NodeRoute(_bytes2)) : default;

    /// <summary>The <see cref="ForwardedSubscription"/> this holds.</summary>
    public ForwardedSubscription AsForwardedSubscription() => Expect(MessageType.ForwardedSubscription) ? new ForwardedSubscription(_id1, _byte2, (SubscribeFlags)_byte1, _bytes1, new NodeRoute(_bytes2)) : default;

    /// <summary>The <see cref="Accept"/> this holds.</summary>
    public Accept AsAccept() => Expect(MessageType.Accept) ? new Accept(_id1, _id2, (SubscribeFlags)_byte1) : default;

    /// <summary>The <see cref="Unsubscribe"/> this holds.</summary>
    public Unsubscribe AsUnsubscribe() => Expect(MessageType.Unsubscribe) ? new Unsubscribe(_id1, _id2, _bytes1) : default;

    /// <summary>The <see cref="Remove"/> this holds.</summary>
    public Remove AsRemove() => Expect(MessageType.Remove) ? new Remove((RemoveArc)_byte1) : default;

    /// <summary>The <see cref="Heartbeat"/> this holds.</summary>
    public Heartbeat AsHeartbeat() => Expect(MessageType.Heartbeat) ? new Heartbeat(_number) : default;

    /// <summary>The <see cref="Signal"/> this holds.</summary>
    public Signal AsSignal() => Expect(MessageType.Signal) ? new Signal(_id1, _id2, (SignalKind)_byte1, _byte2, new NodeRoute(_bytes2), _bytes1) : default;

    /// <summary>The <see cref="Broadcast"/> this holds.</summary>
    public Broadcast AsBroadcast() => Expect(MessageType.Broadcast) ? new Broadcast(new MessageId(_id1, _number), _byte2, _bytes1) : default;

    /// <summary>Type name, for logs.</summary>
    public override string ToString() => Type.ToString();

    private bool Expect(MessageType type)
    {
        if (Type != type)
        {
            ThrowWrongType(type, Type);
        }

        return true;
    }

    [DoesNotReturn]
    private static void ThrowWrongType(MessageType wanted, MessageType actual) =>
        throw new InvalidOperationException($"This WireMessage holds {actual}, not {wanted}.");
}
