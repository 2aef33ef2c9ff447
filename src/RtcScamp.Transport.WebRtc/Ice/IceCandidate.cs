using System.Net;

namespace RtcScamp.Transport.WebRtc.Ice;

/// <summary>Candidate types with their RFC 8445 §5.1.2.2 recommended type preferences.</summary>
public enum IceCandidateType
{
    /// <summary>An address of a local interface (type preference 126).</summary>
    Host,

    /// <summary>Peer-reflexive: learned from a check (type preference 110).</summary>
    PeerReflexive,

    /// <summary>Server-reflexive: the address a STUN server saw (type preference 100).</summary>
    ServerReflexive,

    /// <summary>Relayed through TURN (type preference 0; not gathered by this agent).</summary>
    Relayed,
}

/// <summary>
/// One ICE candidate of component 1 (data channels bundle everything on one component) over UDP.
/// </summary>
public sealed class IceCandidate
{
    /// <summary>Creates a candidate.</summary>
    public IceCandidate(IceCandidateType type, IPEndPoint endPoint, uint priority, string foundation, IPEndPoint? baseEndPoint = null)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentException.ThrowIfNullOrEmpty(foundation);
        Type = type;
        EndPoint = endPoint;
        Priority = priority;
        Foundation = foundation;
        Base = baseEndPoint ?? endPoint;
    }

    /// <summary>The candidate type.</summary>
    public IceCandidateType Type { get; internal set; }

    /// <summary>The transport address.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>The base: the local address checks are sent from (itself for host candidates).</summary>
    public IPEndPoint Base { get; }

    /// <summary>The candidate priority.</summary>
    public uint Priority { get; internal set; }

    /// <summary>The foundation: equal for candidates of the same type, base IP and server.</summary>
    public string Foundation { get; internal set; }

    /// <summary>Component id; always 1 here.</summary>
    public int Component => 1;

    /// <summary>RFC 8445 §5.1.2.2 type preference.</summary>
    public static int TypePreference(IceCandidateType type) => type switch
    {
        IceCandidateType.Host => 126,
        IceCandidateType.PeerReflexive => 110,
        IceCandidateType.ServerReflexive => 100,
        _ => 0,
    };

    /// <summary>
    /// RFC 8445 §5.1.2.1: priority = 2^24·type preference + 2^8·local preference + (256 − component).
    /// </summary>
    public static uint ComputePriority(IceCandidateType type, int localPreference, int component = 1)
    {
        if (localPreference is < 0 or > 65535 || component is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(localPreference));
        }

        return (uint)((TypePreference(type) << 24) + (localPreference << 8) + (256 - component));
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Type} {EndPoint} prio={Priority} foundation={Foundation}";
}
