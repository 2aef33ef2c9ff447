using System.Net;
using System.Text;
using RtcScamp.Transport.WebRtc.Stun;

namespace RtcScamp.Transport.WebRtc.Udp;

/// <summary>What <see cref="UdpDemultiplexer{TTarget}.Route"/> decided for a datagram.</summary>
public enum DemuxResult
{
    /// <summary>STUN routed to an ICE agent (by USERNAME's local ufrag, else by remote address).</summary>
    Stun,

    /// <summary>DTLS routed by remote address.</summary>
    Dtls,

    /// <summary>TURN ChannelData routed by remote address.</summary>
    TurnChannel,

    /// <summary>STUN that failed to parse: drop.</summary>
    MalformedStun,

    /// <summary>RTP/RTCP, ZRTP or an unassigned first byte: drop (data channels only).</summary>
    Dropped,

    /// <summary>Valid class but no agent for its ufrag or remote address: drop (or, for a STUN
    /// response, offer it to agents with server transactions outstanding).</summary>
    NoTarget,
}

/// <summary>
/// Routes datagrams arriving on one UDP socket to one of many connections (ICE agents and the DTLS
/// sessions above them). Pure logic, no socket, so it can be tested and fuzzed.
/// <list type="bullet">
/// <item>STUN with USERNAME: the part before ':' is the receiver's ufrag (RFC 8445 §7.2.2), which
/// identifies the agent even before the peer's address is known — how a browser behind an mDNS name
/// first reaches us.</item>
/// <item>Everything else (STUN responses, DTLS, TURN channel data): by the sender's address, bound by
/// the driver once an agent has authenticated traffic from it (<see cref="BindRemote"/>).</item>
/// </list>
/// Single-threaded: the socket driver's receive loop owns it. Lookups allocate nothing.
/// </summary>
/// <typeparam name="TTarget">Whatever the driver dispatches to (e.g. its per-connection object).</typeparam>
public sealed class UdpDemultiplexer<TTarget>
    where TTarget : class
{
    private const int MaxUfragChars = 256;

    private readonly Dictionary<string, TTarget> _byUfrag = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TTarget>.AlternateLookup<ReadOnlySpan<char>> _byUfragSpan;
    private readonly Dictionary<IPEndPoint, TTarget> _byRemote = [];

    /// <summary>Creates an empty demultiplexer.</summary>
    public UdpDemultiplexer() => _byUfragSpan = _byUfrag.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Number of registered ufrags.</summary>
    public int UfragCount => _byUfrag.Count;

    /// <summary>Number of bound remote addresses.</summary>
    public int RemoteCount => _byRemote.Count;

    /// <summary>Routes STUN whose USERNAME starts with <paramref name="localUfrag"/> to <paramref name="target"/>.</summary>
    public void RegisterUfrag(string localUfrag, TTarget target)
    {
        ArgumentException.ThrowIfNullOrEmpty(localUfrag);
        ArgumentNullException.ThrowIfNull(target);
        if (localUfrag.Length > MaxUfragChars || !Ascii.IsValid(localUfrag))
        {
            throw new ArgumentException("A ufrag is at most 256 ASCII characters.", nameof(localUfrag));
        }

        _byUfrag[localUfrag] = target;
    }

    /// <summary>Removes a ufrag registration.</summary>
    public bool UnregisterUfrag(string localUfrag) => _byUfrag.Remove(localUfrag);

    /// <summary>Routes datagrams from <paramref name="remote"/> to <paramref name="target"/> (last binding wins).</summary>
    public void BindRemote(IPEndPoint remote, TTarget target)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(target);
        _byRemote[remote] = target;
    }

    /// <summary>Removes one remote binding.</summary>
    public bool UnbindRemote(IPEndPoint remote) => _byRemote.Remove(remote);

    /// <summary>Removes every ufrag and remote binding of <paramref name="target"/>.</summary>
    public void Remove(TTarget target)
    {
        foreach (KeyValuePair<string, TTarget> kv in _byUfrag.ToArray())
        {
            if (ReferenceEquals(kv.Value, target))
            {
                _byUfrag.Remove(kv.Key);
            }
        }

        foreach (KeyValuePair<IPEndPoint, TTarget> kv in _byRemote.ToArray())
        {
            if (ReferenceEquals(kv.Value, target))
            {
                _byRemote.Remove(kv.Key);
            }
        }
    }

    /// <summary>Classifies <paramref name="datagram"/> and finds its target. Never throws on any input.</summary>
    public DemuxResult Route(ReadOnlySpan<byte> datagram, IPEndPoint remote, out TTarget? target)
    {
        ArgumentNullException.ThrowIfNull(remote);
        target = null;
        switch (DatagramClassifier.Classify(datagram))
        {
            case DatagramClass.Stun:
                if (StunMessage.TryParse(datagram, out StunMessage message) != StunParseError.None)
                {
                    return DemuxResult.MalformedStun;
                }

                if (message.HasUsername)
                {
                    return FindByUfrag(message.Username, out target) ? DemuxResult.Stun : DemuxResult.NoTarget;
                }

                return _byRemote.TryGetValue(remote, out target) ? DemuxResult.Stun : DemuxResult.NoTarget;
            case DatagramClass.Dtls:
                return _byRemote.TryGetValue(remote, out target) ? DemuxResult.Dtls : DemuxResult.NoTarget;
            case DatagramClass.TurnChannel:
                return _byRemote.TryGetValue(remote, out target) ? DemuxResult.TurnChannel : DemuxResult.NoTarget;
            default:
                return DemuxResult.Dropped;
        }
    }

    private bool FindByUfrag(ReadOnlySpan<byte> username, out TTarget? target)
    {
        target = null;
        int colon = username.IndexOf((byte)':');
        ReadOnlySpan<byte> ufrag = colon >= 0 ? username[..colon] : username;
        if (ufrag.IsEmpty || ufrag.Length > MaxUfragChars || !Ascii.IsValid(ufrag))
        {
            return false;
        }

        Span<char> chars = stackalloc char[MaxUfragChars];
        int n = Encoding.ASCII.GetChars(ufrag, chars);
        return _byUfragSpan.TryGetValue(chars[..n], out target);
    }
}
