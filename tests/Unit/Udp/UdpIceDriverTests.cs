using System.Net;
using RtcScamp.Transport.WebRtc.Ice;
using RtcScamp.Transport.WebRtc.Udp;
using Xunit;

namespace RtcScamp.Tests.Udp;

/// <summary>Two real UDP sockets on 127.0.0.1, one driver and one agent each: ICE must connect and nominate.</summary>
public class UdpIceDriverTests
{
    [Fact]
    public async Task Two_drivers_connect_over_loopback()
    {
        await using var d1 = new UdpIceDriver(new IPEndPoint(IPAddress.Loopback, 0));
        await using var d2 = new UdpIceDriver(new IPEndPoint(IPAddress.Loopback, 0));
        var (a, b) = AddSignaledPair(d1, d2, new SeededIceRandom(2024), aSeed: 1, bSeed: 2);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await WaitConnected(d1, timeout.Token);
        await WaitConnected(d2, timeout.Token);

        Assert.Equal(IceState.Connected, d1.Invoke(a, x => x.State));
        Assert.Equal(IceState.Connected, d2.Invoke(b, x => x.State));
        Assert.Equal(d2.LocalEndPoint, d1.Invoke(a, x => x.SelectedPair!.Remote.EndPoint));
        Assert.Equal(d1.LocalEndPoint, d2.Invoke(b, x => x.SelectedPair!.Remote.EndPoint));
        Assert.Equal(1, d1.Invoke(a, x => x.Pairs.Count(p => p.Nominated)));
        Assert.Equal(1, d2.Invoke(b, x => x.Pairs.Count(p => p.Nominated)));
    }

    [Fact]
    public async Task Many_agents_share_one_socket_per_side()
    {
        // Three connections between the same two sockets: every STUN response comes from the same
        // peer address, so routing must fall back to transaction ids; checks route by ufrag.
        await using var d1 = new UdpIceDriver(new IPEndPoint(IPAddress.Loopback, 0));
        await using var d2 = new UdpIceDriver(new IPEndPoint(IPAddress.Loopback, 0));
        var random = new SeededIceRandom(77);
        var left = new List<IceAgent>();
        var right = new List<IceAgent>();
        for (int i = 0; i < 3; i++)
        {
            var (a, b) = AddSignaledPair(d1, d2, random, aSeed: random.NextUInt64(), bSeed: random.NextUInt64());
            left.Add(a);
            right.Add(b);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (left.Any(a => d1.Invoke(a, x => x.State) != IceState.Connected) || right.Any(b => d2.Invoke(b, x => x.State) != IceState.Connected))
        {
            await Task.Delay(20, timeout.Token);
        }

        foreach (IceAgent a in left)
        {
            Assert.Equal(1, d1.Invoke(a, x => x.Pairs.Count(p => p.Nominated)));
            Assert.Equal(0, d1.Invoke(a, x => x.UnauthenticatedCount));
        }

        foreach (IceAgent b in right)
        {
            Assert.Equal(1, d2.Invoke(b, x => x.Pairs.Count(p => p.Nominated)));
            Assert.Equal(0, d2.Invoke(b, x => x.UnauthenticatedCount));
        }
    }

    /// <summary>
    /// A controlling agent on <paramref name="d1"/> and a controlled one on <paramref name="d2"/>, each told the
    /// other's credentials and host candidate the way a pasted offer/answer would carry them.
    /// </summary>
    private static (IceAgent A, IceAgent B) AddSignaledPair(UdpIceDriver d1, UdpIceDriver d2, SeededIceRandom credentials, ulong aSeed, ulong bSeed)
    {
        var a = new IceAgent(IceCredentials.Generate(credentials), controlling: true, new SeededIceRandom(aSeed));
        var b = new IceAgent(IceCredentials.Generate(credentials), controlling: false, new SeededIceRandom(bSeed));
        IceCandidate aHost = a.AddLocalHostCandidate(d1.LocalEndPoint);
        IceCandidate bHost = b.AddLocalHostCandidate(d2.LocalEndPoint);
        d1.Add(a);
        d2.Add(b);
        d2.Invoke(b, x =>
        {
            x.SetRemoteCredentials(new IceCredentials(a.LocalCredentials.Ufrag, a.LocalCredentials.Password));
            return x.AddRemoteCandidate(new IceCandidate(IceCandidateType.Host, d1.LocalEndPoint, aHost.Priority, "a"));
        });
        d1.Invoke(a, x =>
        {
            x.SetRemoteCredentials(new IceCredentials(b.LocalCredentials.Ufrag, b.LocalCredentials.Password));
            return x.AddRemoteCandidate(new IceCandidate(IceCandidateType.Host, d2.LocalEndPoint, bHost.Priority, "b"));
        });
        return (a, b);
    }

    private static async Task WaitConnected(UdpIceDriver driver, CancellationToken cancellation)
    {
        await foreach (var (_, e) in driver.Events.ReadAllAsync(cancellation))
        {
            if (e.Kind == IceEventKind.StateChanged && e.NewState == IceState.Connected)
            {
                return;
            }
        }
    }
}
