using System.Net;
using System.Net.Sockets;

namespace RtcScamp.Transport.WebRtc.Udp;

/// <summary>
/// Maps the socket's reused receive <see cref="SocketAddress"/> to one shared <see cref="IPEndPoint"/>
/// per peer, so the receive path stops allocating an endpoint per datagram once a peer is known.
/// Bounded: when full it is cleared (peers are then re-learned), so a flood of spoofed sources costs
/// at most <c>capacity</c> entries. Not thread-safe: the receive loop owns it.
/// </summary>
internal sealed class EndPointCache
{
    private readonly Dictionary<SocketAddress, IPEndPoint> _map;
    private readonly int _capacity;
    private readonly EndPoint _template;

    public EndPointCache(AddressFamily family, int capacity = 4096)
    {
        _capacity = capacity;
        _map = new Dictionary<SocketAddress, IPEndPoint>(Math.Min(capacity, 256));
        _template = family == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
    }

    public int Count => _map.Count;

    /// <summary>The endpoint for <paramref name="address"/>; the same instance every time while cached.</summary>
    public IPEndPoint Get(SocketAddress address)
    {
        if (_map.TryGetValue(address, out IPEndPoint? endPoint))
        {
            return endPoint;
        }

        if (_map.Count >= _capacity)
        {
            _map.Clear();
        }

        endPoint = (IPEndPoint)_template.Create(address);
        var key = new SocketAddress(address.Family, address.Size);
        address.Buffer.Span[..address.Size].CopyTo(key.Buffer.Span);
        _map.Add(key, endPoint);
        return endPoint;
    }
}
