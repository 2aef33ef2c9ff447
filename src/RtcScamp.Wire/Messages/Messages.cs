using System.Buffers;

namespace RtcScamp.Wire.Messages;

// One readonly struct per protocol message. Byte fields (payloads, contacts, routes) are slices of the
// decoded input: valid only as long as the caller keeps that input alive (the codec copies nothing).

/// <summary>Capability bits announced in <see cref="Hello"/>.</summary>
[Flags]
public enum Capabilities : ulong
{
    /// <summary>Nothing optional.</summary>
    None = 0,

    /// <summary>Can relay <see cref="Signal"/> messages (WebRTC arcs).</summary>
    RelaySignal = 1,

    /// <summary>Accepts TCP dials at the endpoint carried in subscriptions.</summary>
    TcpListener = 2,
}

/// <summary>First frame on every connection.</summary>
public readonly record struct Hello(ushort Version, NodeId Node, Capabilities Capabilities)
{
    /// <summary>The protocol version this code speaks.</summary>
    public const ushort CurrentVersion = 1;
}

/// <summary>Why a subscription is being made.</summary>
[Flags]
public enum SubscribeFlags : byte
{
    /// <summary>A first join.</summary>
    None = 0,

    /// <summary>A resubscription because the lease expired: keepers must not drop existing arcs.</summary>
    Lease = 1,

    /// <summary>A resubscription because the node found itself isolated (empty InView).</summary>
    Isolated = 2,

    /// <summary>A replacement arc asked for by a leaving node (see <see cref="Unsubscribe"/>).</summary>
    Replacement = 4,
}

/// <summary>
/// A subscription doing its indirection walk. <see cref="Budget"/> drops by 1/deg at each hop; where it runs out,
/// that node is the contact. <see cref="Route"/> is the path travelled so far (for relayed signaling back).
/// </summary>
public readonly record struct Subscribe(NodeId Subscriber, double Budget, SubscribeFlags Flags, ReadOnlySequence<byte> Contact, NodeRoute Route);

/// <summary>
/// A copy of a subscription travelling until kept. <see cref="Hops"/> is the anti-loop hop count;
/// <see cref="Route"/> the path from the subscriber (bounded by <see cref="WireLimits.MaxRouteLength"/>).
/// </summary>
public readonly record struct ForwardedSubscription(NodeId Subscriber, byte Hops, SubscribeFlags Flags, ReadOnlySequence<byte> Contact, NodeRoute Route);

/// <summary>Keeper → subscriber over their (new) connection: the arc keeper→subscriber exists.</summary>
public readonly record struct Accept(NodeId Keeper, NodeId Subscriber, SubscribeFlags Flags);

/// <summary>
/// Leaver → an InView member: drop your arc to me; if <see cref="Replacement"/> is not <see cref="NodeId.None"/>,
/// make an arc to it instead (reachable via <see cref="ReplacementContact"/> or by relayed signaling through the leaver).
/// </summary>
public readonly record struct Unsubscribe(NodeId Leaver, NodeId Replacement, ReadOnlySequence<byte> ReplacementContact);

/// <summary>Which arc a <see cref="Remove"/> drops.</summary>
public enum RemoveArc : byte
{
    /// <summary>Sender dropped the receiver from its PartialView: receiver drops sender from its InView.</summary>
    SenderToReceiver = 0,

    /// <summary>Sender dropped the receiver from its InView: receiver drops sender from its PartialView.</summary>
    ReceiverToSender = 1,
}

/// <summary>Drop one arc between sender and receiver.</summary>
public readonly record struct Remove(RemoveArc Arc);

/// <summary>Liveness frame; <see cref="Sequence"/> lets a peer measure loss.</summary>
public readonly record struct Heartbeat(ulong Sequence);

/// <summary>What a <see cref="Signal"/> carries.</summary>
public enum SignalKind : byte
{
    /// <summary>A compact WebRTC offer.</summary>
    Offer = 1,

    /// <summary>A compact WebRTC answer.</summary>
    Answer = 2,

    /// <summary>The target could not be reached; the payload is empty.</summary>
    Unreachable = 3,
}

/// <summary>
/// Signaling relayed hop by hop along <see cref="Route"/> from <see cref="Source"/> to <see cref="Target"/>.
/// <see cref="Hop"/> is the index in the route of the node that receives this copy.
/// </summary>
public readonly record struct Signal(NodeId Source, NodeId Target, SignalKind Kind, byte Hop, NodeRoute Route, ReadOnlySequence<byte> Payload);

/// <summary>An epidemic broadcast. <see cref="Hops"/> counts hops so far; forwarding stops at the configured limit.</summary>
public readonly record struct Broadcast(MessageId Id, byte Hops, ReadOnlySequence<byte> Payload);
