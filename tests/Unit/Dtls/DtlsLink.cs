using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Wire;
using Xunit;

namespace RtcScamp.Tests.Dtls;

/// <summary>
/// Two endpoints joined in memory: the test thread shuttles each side's polled datagrams to the other,
/// optionally through a filter that drops or duplicates them. No sockets.
/// </summary>
internal sealed class DtlsLink : IDisposable
{
    /// <summary>Decides how many copies of a datagram to deliver: 0 drops it, 2 duplicates it.</summary>
    public delegate int DatagramFilter(bool toServer, int index, ReadOnlySpan<byte> datagram);

    private static readonly Lazy<NodeIdentity> s_clientIdentity = new(NodeIdentity.Generate);
    private static readonly Lazy<NodeIdentity> s_serverIdentity = new(NodeIdentity.Generate);

    private readonly SemaphoreSlim _signal = new(0);
    private readonly byte[] _buffer = new byte[65536];
    private int _toServer;
    private int _toClient;

    public DtlsLink(DtlsOptions? options = null, CertificateFingerprint? clientExpects = null, CertificateFingerprint? serverExpects = null, NodeId serverExpectsNodeId = default, DtlsOptions? serverOptions = null)
    {
        ClientIdentity = s_clientIdentity.Value;
        ServerIdentity = s_serverIdentity.Value;
        Client = new DtlsEndpoint(ClientIdentity, DtlsRole.Client, clientExpects ?? ServerIdentity.Fingerprint, options);
        Server = new DtlsEndpoint(ServerIdentity, DtlsRole.Server, serverExpects ?? ClientIdentity.Fingerprint, serverOptions ?? options, serverExpectsNodeId);
        Client.OutputAvailable = () => _signal.Release();
        Server.OutputAvailable = () => _signal.Release();
    }

    /// <summary>The identity every link's client uses.</summary>
    public static NodeIdentity SharedClientIdentity => s_clientIdentity.Value;

    public NodeIdentity ClientIdentity { get; }

    public NodeIdentity ServerIdentity { get; }

    public DtlsEndpoint Client { get; }

    public DtlsEndpoint Server { get; }

    public DatagramFilter? Filter { get; set; }

    public List<DtlsEvent> ClientEvents { get; } = [];

    public List<DtlsEvent> ServerEvents { get; } = [];

    public int DeliveredToServer { get; private set; }

    public int DeliveredToClient { get; private set; }

    public void Start()
    {
        Server.Start();
        Client.Start();
    }

    /// <summary>Shuttles until <paramref name="done"/> holds or the timeout passes; returns <paramref name="done"/>().</summary>
    public bool PumpUntil(Func<bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            bool moved = Shuttle();
            if (done())
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            if (!moved)
            {
                _signal.Wait(5);
            }
        }
    }

    public bool PumpUntilBoth(DtlsState state, TimeSpan timeout) =>
        PumpUntil(() => Client.State == state && Server.State == state, timeout);

    /// <summary>Moves every queued datagram once in each direction; true if any moved.</summary>
    public bool Shuttle()
    {
        bool moved = false;
        while (Client.TryPollDatagram(_buffer, out int length))
        {
            moved = true;
            Deliver(toServer: true, _buffer.AsSpan(0, length));
        }

        while (Server.TryPollDatagram(_buffer, out int length))
        {
            moved = true;
            Deliver(toServer: false, _buffer.AsSpan(0, length));
        }

        while (Client.TryPollEvent(out DtlsEvent e))
        {
            ClientEvents.Add(e);
        }

        while (Server.TryPollEvent(out DtlsEvent e))
        {
            ServerEvents.Add(e);
        }

        return moved;
    }

    public void Dispose()
    {
        Client.Close();
        Server.Close();
        Assert.True(Client.WaitForHandshakeThread(TimeSpan.FromSeconds(5)));
        Assert.True(Server.WaitForHandshakeThread(TimeSpan.FromSeconds(5)));
        _signal.Dispose();
    }

    private void Deliver(bool toServer, ReadOnlySpan<byte> datagram)
    {
        int index = toServer ? _toServer++ : _toClient++;
        int copies = Filter?.Invoke(toServer, index, datagram) ?? 1;
        DtlsEndpoint target = toServer ? Server : Client;
        for (int i = 0; i < copies; i++)
        {
            target.HandleDatagram(datagram);
            if (toServer)
            {
                DeliveredToServer++;
            }
            else
            {
                DeliveredToClient++;
            }
        }
    }
}
