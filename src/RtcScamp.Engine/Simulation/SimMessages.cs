using System.Buffers;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine.Simulation;

/// <summary>Copies a message's byte fields into harness-owned arrays.</summary>
internal static class SimMessages
{
    /// <summary>A copy whose byte fields no longer alias the node's outbox or input (a message without byte fields is returned as is).</summary>
    public static WireMessage Copy(in WireMessage m) => m.Type switch
    {
        MessageType.Subscribe => CopySubscribe(m),
        MessageType.ForwardedSubscription => CopyForwarded(m),
        MessageType.Unsubscribe => CopyUnsubscribe(m.AsUnsubscribe()),
        MessageType.Signal => CopySignal(m.AsSignal()),
        MessageType.Broadcast => CopyBroadcast(m.AsBroadcast()),
        _ => m,
    };

    private static WireMessage CopySubscribe(in WireMessage m)
    {
        Subscribe s = m.AsSubscribe();
        return s.Contact.IsEmpty && s.Route.Bytes.IsEmpty
            ? m
            : new Subscribe(s.Subscriber, s.Budget, s.Flags, Own(s.Contact), new NodeRoute(Own(s.Route.Bytes)));
    }

    private static WireMessage CopyForwarded(in WireMessage m)
    {
        ForwardedSubscription s = m.AsForwardedSubscription();
        return s.Contact.IsEmpty && s.Route.Bytes.IsEmpty
            ? m
            : new ForwardedSubscription(s.Subscriber, s.Hops, s.Flags, Own(s.Contact), new NodeRoute(Own(s.Route.Bytes)));
    }

    private static WireMessage CopyUnsubscribe(in Unsubscribe u) => new Unsubscribe(u.Leaver, u.Replacement, Own(u.ReplacementContact));

    private static WireMessage CopySignal(in Signal s) =>
        new Signal(s.Source, s.Target, s.Kind, s.Hop, new NodeRoute(Own(s.Route.Bytes)), Own(s.Payload));

    private static WireMessage CopyBroadcast(in Broadcast b) => new Broadcast(b.Id, b.Hops, Own(b.Payload));

    private static ReadOnlySequence<byte> Own(in ReadOnlySequence<byte> bytes) => bytes.IsEmpty ? default : new ReadOnlySequence<byte>(bytes.ToArray());
}

/// <summary>
/// A message without byte fields in 32 bytes (a pooled <see cref="WireMessage"/> takes 112): the forms that make up a
/// simulation's traffic (walks, forwarded copies, broadcasts with an empty payload), plus the pool slot's reference
/// count. Expanding gives back an equal message.
/// </summary>
internal struct CompactMessage
{
    public NodeId Id;
    public ulong Number;
    public MessageType Type;
    public byte Byte1;
    public byte Byte2;
    public int Refs;

    /// <summary>The compact form of <paramref name="m"/>, if it has one.</summary>
    public static bool TryCreate(in WireMessage m, out CompactMessage compact)
    {
        switch (m.Type)
        {
            case MessageType.Broadcast:
                Broadcast b = m.AsBroadcast();
                if (b.Payload.IsEmpty)
                {
                    compact = new CompactMessage { Type = MessageType.Broadcast, Id = b.Id.Origin, Number = b.Id.Sequence, Byte2 = b.Hops };
                    return true;
                }

                break;
            case MessageType.ForwardedSubscription:
                ForwardedSubscription f = m.AsForwardedSubscription();
                if (f.Contact.IsEmpty && f.Route.Bytes.IsEmpty)
                {
                    compact = new CompactMessage { Type = MessageType.ForwardedSubscription, Id = f.Subscriber, Byte1 = (byte)f.Flags, Byte2 = f.Hops };
                    return true;
                }

                break;
            case MessageType.Subscribe:
                Subscribe s = m.AsSubscribe();
                if (s.Contact.IsEmpty && s.Route.Bytes.IsEmpty)
                {
                    compact = new CompactMessage { Type = MessageType.Subscribe, Id = s.Subscriber, Number = BitConverter.DoubleToUInt64Bits(s.Budget), Byte1 = (byte)s.Flags };
                    return true;
                }

                break;
        }

        compact = default;
        return false;
    }

    /// <summary>True if both hold the same message (reference counts aside).</summary>
    public readonly bool SameAs(in CompactMessage other) =>
        Type == other.Type && Id == other.Id && Number == other.Number && Byte1 == other.Byte1 && Byte2 == other.Byte2;

    /// <summary>The message.</summary>
    public readonly WireMessage Expand() => Type switch
    {
        MessageType.Broadcast => AsBroadcast(),
        MessageType.ForwardedSubscription => AsForwardedSubscription(),
        _ => AsSubscribe(),
    };

    /// <summary>The <see cref="Broadcast"/> this holds (its <see cref="Type"/> must be that).</summary>
    public readonly Broadcast AsBroadcast() => new(new MessageId(Id, Number), Byte2, default);

    /// <summary>The <see cref="ForwardedSubscription"/> this holds (its <see cref="Type"/> must be that).</summary>
    public readonly ForwardedSubscription AsForwardedSubscription() => new(Id, Byte2, (SubscribeFlags)Byte1, default, default);

    /// <summary>The <see cref="Subscribe"/> this holds (its <see cref="Type"/> must be that).</summary>
    public readonly Subscribe AsSubscribe() => new(Id, BitConverter.UInt64BitsToDouble(Number), (SubscribeFlags)Byte1, default, default);
}
