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
