using System.Net;
using System.Net.Sockets;
using RtcScamp.Transport.WebRtc.Udp;
using Xunit;

namespace RtcScamp.Tests.Udp;

public class EndPointCacheTests
{
    [Fact]
    public void Same_address_gives_the_same_instance_without_allocating()
    {
        var cache = new EndPointCache(AddressFamily.InterNetwork);
        SocketAddress reused = new IPEndPoint(IPAddress.Loopback, 5000).Serialize();
        IPEndPoint first = cache.Get(reused);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5000), first);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Assert.Same(first, cache.Get(reused));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Keys_are_copies_so_reusing_the_receive_buffer_is_safe()
    {
        var cache = new EndPointCache(AddressFamily.InterNetwork);
        SocketAddress reused = new IPEndPoint(IPAddress.Loopback, 5000).Serialize();
        IPEndPoint a = cache.Get(reused);
        new IPEndPoint(IPAddress.Parse("127.0.0.2"), 6000).Serialize().Buffer.Span.CopyTo(reused.Buffer.Span);
        IPEndPoint b = cache.Get(reused);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 6000), b);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5000), a);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void Capacity_bounds_the_cache()
    {
        var cache = new EndPointCache(AddressFamily.InterNetwork, capacity: 8);
        for (int port = 1; port <= 100; port++)
        {
            Assert.Equal(port, cache.Get(new IPEndPoint(IPAddress.Loopback, port).Serialize()).Port);
            Assert.InRange(cache.Count, 1, 8);
        }
    }
}
