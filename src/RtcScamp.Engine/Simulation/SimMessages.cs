using System.Buffers;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine.Simulation;

/// <summary>Copies a message's byte fields into harness-owned arrays, and hashes messages for traces.</summary>
internal static class SimMessages
{
    /// <summary>A copy whose byte fields no longer alias the node's outbox or input (empty fields stay empty: no allocation).</summary>
    public static WireMessage Copy(in WireMessage m) => m.Type switch
    {
        MessageType.Subscribe => CopySubscribe(m.AsSubscribe()),
        MessageType.ForwardedSubscription => CopyForwarded(m.AsForwardedSubscription()),
        MessageType.Unsubscribe => CopyUnsubscribe(m.AsUnsubscribe()),
        MessageType.Signal => CopySignal(m.AsSignal()),
        MessageType.Broadcast => CopyBroadcast(m.AsBroadcast()),
        _ => m,
    };

    /// <summary>A 64-bit hash of every field of the message.</summary>
    public static ulong Hash(in WireMessage m)
    {
        ulong h = (ulong)m.Type * 0x9E3779B97F4A7C15UL;
        switch (m.Type)
        {
            case MessageType.Hello:
                Hello hello = m.AsHello();
                h = Mix(h, hello.Node, hello.Version, (ulong)hello.Capabilities);
                break;
            case MessageType.Subscribe:
                Subscribe sub = m.AsSubscribe();
                h = Mix(h, sub.Subscriber, (ulong)BitConverter.DoubleToInt64Bits(sub.Budget), (ulong)sub.Flags);
                h = Mix(Mix(h, sub.Contact), sub.Route.Bytes);
                break;
            case MessageType.ForwardedSubscription:
                ForwardedSubscription fs = m.AsForwardedSubscription();
                h = Mix(h, fs.Subscriber, fs.Hops, (ulong)fs.Flags);
                h = Mix(Mix(h, fs.Contact), fs.Route.Bytes);
                break;
            case MessageType.Accept:
                Accept a = m.AsAccept();
                h = Mix(Mix(h, a.Keeper, (ulong)a.Flags, 0), a.Subscriber, 0, 0);
                break;
            case MessageType.Unsubscribe:
                Unsubscribe u = m.AsUnsubscribe();
                h = Mix(Mix(Mix(h, u.Leaver, 0, 0), u.Replacement, 0, 0), u.ReplacementContact);
                break;
            case MessageType.Remove:
                h = Mix(h, default, (ulong)m.AsRemove().Arc, 0);
                break;
            case MessageType.Heartbeat:
                h = Mix(h, default, m.AsHeartbeat().Sequence, 0);
                break;
            case MessageType.Signal:
                Signal sig = m.AsSignal();
                h = Mix(Mix(h, sig.Source, (ulong)sig.Kind, sig.Hop), sig.Target, 0, 0);
                h = Mix(Mix(h, sig.Route.Bytes), sig.Payload);
                break;
            case MessageType.Broadcast:
                Broadcast b = m.AsBroadcast();
                h = Mix(Mix(h, b.Id.Origin, b.Id.Sequence, b.Hops), b.Payload);
                break;
        }

        return h;
    }

    private static WireMessage CopySubscribe(in Subscribe s) =>
        new Subscribe(s.Subscriber, s.Budget, s.Flags, Own(s.Contact), new NodeRoute(Own(s.Route.Bytes)));

    private static WireMessage CopyForwarded(in ForwardedSubscription s) =>
        new ForwardedSubscription(s.Subscriber, s.Hops, s.Flags, Own(s.Contact), new NodeRoute(Own(s.Route.Bytes)));

    private static WireMessage CopyUnsubscribe(in Unsubscribe u) => new Unsubscribe(u.Leaver, u.Replacement, Own(u.ReplacementContact));

    private static WireMessage CopySignal(in Signal s) =>
        new Signal(s.Source, s.Target, s.Kind, s.Hop, new NodeRoute(Own(s.Route.Bytes)), Own(s.Payload));

    private static WireMessage CopyBroadcast(in Broadcast b) => new Broadcast(b.Id, b.Hops, Own(b.Payload));

    private static ReadOnlySequence<byte> Own(in ReadOnlySequence<byte> bytes) => bytes.IsEmpty ? default : new ReadOnlySequence<byte>(bytes.ToArray());

    private static ulong Mix(ulong h, NodeId id, ulong a, ulong b)
    {
        h = (h ^ id.High) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ id.Low) * 0x94D049BB133111EBUL;
        h = (h ^ a) * 0xBF58476D1CE4E5B9UL;
        h = (h ^ b) * 0x94D049BB133111EBUL;
        return h ^ (h >> 31);
    }

    private static ulong Mix(ulong h, in ReadOnlySequence<byte> bytes)
    {
        h = (h ^ (ulong)bytes.Length) * 0x100000001B3UL;
        foreach (ReadOnlyMemory<byte> segment in bytes)
        {
            foreach (byte x in segment.Span)
            {
                h = (h ^ x) * 0x100000001B3UL;
            }
        }

        return h;
    }
}
