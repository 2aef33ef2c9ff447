using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Engine;

/// <summary>What a <see cref="NodeOutput"/> asks the driver to do.</summary>
public enum OutputKind : byte
{
    /// <summary>Default value; never polled.</summary>
    None = 0,

    /// <summary>Send <see cref="NodeOutput.Message"/> to <see cref="NodeOutput.Peer"/> over their connection.</summary>
    Send = 1,

    /// <summary>
    /// Open a connection to <see cref="NodeOutput.Peer"/>: dial <see cref="NodeOutput.Contact"/> (an endpoint or signaling blob,
    /// may be empty) or signal through <see cref="NodeOutput.Route"/>. Answer later with
    /// <see cref="ScampNode.HandleConnectionUp"/> or <see cref="ScampNode.HandleConnectionDown"/>.
    /// </summary>
    Connect = 2,

    /// <summary>
    /// Close the connection to <see cref="NodeOutput.Peer"/> after flushing what was sent before, for <see cref="NodeOutput.Reason"/>.
    /// The node has already forgotten the peer: do not report this close back.
    /// </summary>
    Close = 3,

    /// <summary>Deliver a broadcast to the application: <see cref="NodeOutput.Message"/> holds the <see cref="Broadcast"/>.</summary>
    Deliver = 4,

    /// <summary>An arc appeared or disappeared: <see cref="NodeOutput.Change"/> on <see cref="NodeOutput.Peer"/>.</summary>
    ViewChanged = 5,

    /// <summary>A <see cref="Signal"/> addressed to this node arrived (<see cref="NodeOutput.Message"/>); for the transport.</summary>
    SignalArrived = 6,

    /// <summary>
    /// The join got no contact arc within <see cref="ScampOptions.JoinTimeout"/> and no connection is left to retry
    /// through, or a node that had joined has lost every connection (its peers crashed, or a partition outlasted the
    /// liveness timeout; reported at a heartbeat tick, once until it has a connection again): the application
    /// must connect to a new first contact and call <see cref="ScampNode.Join"/> again.
    /// </summary>
    JoinFailed = 7,
}

/// <summary>Which view changed, and how.</summary>
public enum ViewChange : byte
{
    /// <summary>Not a view change.</summary>
    None = 0,

    /// <summary>Peer added to the PartialView (arc this→peer).</summary>
    PartialViewAdded = 1,

    /// <summary>Peer removed from the PartialView.</summary>
    PartialViewRemoved = 2,

    /// <summary>Peer added to the InView (arc peer→this).</summary>
    InViewAdded = 3,

    /// <summary>Peer removed from the InView.</summary>
    InViewRemoved = 4,
}

/// <summary>
/// One output of a <see cref="ScampNode"/>, a tagged union read by <see cref="Kind"/>. Byte fields (in
/// <see cref="Message"/>, <see cref="Route"/>, <see cref="Contact"/>) alias either the input the node was handling
/// or the outbox's arena: they stay valid until <see cref="NodeOutbox.TryPoll"/> next returns false, and no longer
/// than the input buffer. Copy or encode them before then.
/// </summary>
public struct NodeOutput
{
    // Not a readonly struct only so that NodeOutbox can write a Send in place (SetSend): every member is readonly.
    private WireMessage _message;

    internal NodeOutput(OutputKind kind, NodeId peer, in WireMessage message = default, NodeRoute route = default,
        ReadOnlySequence<byte> contact = default, CloseReason reason = CloseReason.None, ViewChange change = ViewChange.None,
        int peerSlot = -1)
    {
        Kind = kind;
        Peer = peer;
        _message = message;
        Route = route;
        Contact = contact;
        Reason = reason;
        Change = change;
        PeerSlot = peerSlot;
    }

    /// <summary>Makes this a Send output in place (the outbox writes its array element without a temporary copy).</summary>
    internal void SetSend(NodeId peer, in WireMessage message, int peerSlot)
    {
        Kind = OutputKind.Send;
        Peer = peer;
        _message = message;
        Route = default;
        Contact = default;
        Reason = CloseReason.None;
        Change = ViewChange.None;
        PeerSlot = peerSlot;
    }

    /// <summary>Which output this is.</summary>
    public OutputKind Kind { readonly get; private set; }

    /// <summary>The peer concerned (the origin's sender is not given for <see cref="OutputKind.Deliver"/>: it is the broadcast's origin there).</summary>
    public NodeId Peer { readonly get; private set; }

    /// <summary>The message to send (Send), the broadcast (Deliver) or the signal (SignalArrived).</summary>
    public readonly WireMessage Message => _message;

    /// <summary>The message by reference (a simulator draining millions of outputs skips a 112-byte copy).</summary>
    [UnscopedRef]
    internal readonly ref readonly WireMessage MessageRef => ref _message;

    /// <summary>For Connect: the path the subscription travelled, from the target to the node before this one (may be empty).</summary>
    public NodeRoute Route { readonly get; private set; }

    /// <summary>For Connect: the target's contact blob (may be empty).</summary>
    public ReadOnlySequence<byte> Contact { readonly get; private set; }

    /// <summary>For Close: why.</summary>
    public CloseReason Reason { readonly get; private set; }

    /// <summary>For ViewChanged: what changed.</summary>
    public ViewChange Change { readonly get; private set; }

    /// <summary>
    /// Send outputs: the peer's slot in the node's peer table when the output was made, a hint for
    /// <see cref="ScampNode.SlotOf(NodeId, int)"/> (later outputs of the same input may have moved the peer).
    /// </summary>
    internal int PeerSlot { readonly get; private set; }

    /// <summary>Kind and peer, for logs.</summary>
    public override readonly string ToString() => Kind switch
    {
        OutputKind.Send => $"Send {Message.Type} to {Peer.ToShortString()}",
        OutputKind.Close => $"Close {Peer.ToShortString()} ({Reason})",
        OutputKind.ViewChanged => $"{Change} {Peer.ToShortString()}",
        _ => $"{Kind} {Peer.ToShortString()}",
    };
}
