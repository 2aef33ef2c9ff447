namespace RtcScamp.Wire.Messages;

/// <summary>
/// The first element of every message array on the wire. Values are stable protocol numbers:
/// never renumber, only append. The table with every field is in docs/wire.md.
/// </summary>
public enum MessageType : byte
{
    /// <summary>First frame on every connection: version, node id, capabilities.</summary>
    Hello = 1,

    /// <summary>A newcomer's (or resubscriber's) request, doing an indirection walk toward a contact.</summary>
    Subscribe = 2,

    /// <summary>A copy of a subscription travelling until some node keeps it.</summary>
    ForwardedSubscription = 3,

    /// <summary>The keeper of a subscription tells the subscriber the arc keeper→subscriber exists.</summary>
    Accept = 4,

    /// <summary>Graceful leave: drop the arc to the leaver, optionally replacing it by an arc to another node.</summary>
    Unsubscribe = 5,

    /// <summary>Drop one arc between sender and receiver.</summary>
    Remove = 6,

    /// <summary>Liveness: sent when nothing else was sent for a heartbeat period.</summary>
    Heartbeat = 7,

    /// <summary>Relayed signaling payload (WebRTC offer/answer) with the route it follows.</summary>
    Signal = 8,

    /// <summary>Application payload spread epidemically.</summary>
    Broadcast = 9,
}
