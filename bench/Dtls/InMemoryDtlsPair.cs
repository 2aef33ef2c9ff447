using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Identity;

namespace RtcScamp.Bench.Dtls;

/// <summary>A client and a server endpoint whose datagrams the caller shuttles in memory (no sockets).</summary>
internal sealed class InMemoryDtlsPair
{
    public InMemoryDtlsPair(NodeIdentity clientIdentity, NodeIdentity serverIdentity, Action signal, DtlsOptions? options = null)
    {
        Client = new DtlsEndpoint(clientIdentity, DtlsRole.Client, serverIdentity.Fingerprint, options);
        Server = new DtlsEndpoint(serverIdentity, DtlsRole.Server, clientIdentity.Fingerprint, options);
        Client.OutputAvailable = signal;
        Server.OutputAvailable = signal;
    }

    public DtlsEndpoint Client { get; }

    public DtlsEndpoint Server { get; }

    public bool BothConnected => Client.State == DtlsState.Connected && Server.State == DtlsState.Connected;

    public bool Ended => Client.State is DtlsState.Failed or DtlsState.Closed || Server.State is DtlsState.Failed or DtlsState.Closed;

    public void Start()
    {
        Server.Start();
        Client.Start();
    }

    /// <summary>Moves every queued datagram once in each direction; true if any moved.</summary>
    public bool Shuttle(byte[] buffer)
    {
        bool moved = false;
        while (Client.TryPollDatagram(buffer, out int length))
        {
            Server.HandleDatagram(buffer.AsSpan(0, length));
            moved = true;
        }

        while (Server.TryPollDatagram(buffer, out int length))
        {
            Client.HandleDatagram(buffer.AsSpan(0, length));
            moved = true;
        }

        return moved;
    }

    public void Close()
    {
        Client.Close();
        Server.Close();
        Client.WaitForHandshakeThread(TimeSpan.FromSeconds(10));
        Server.WaitForHandshakeThread(TimeSpan.FromSeconds(10));
    }

    /// <summary>Starts all pairs and shuttles on this thread until all are connected; throws if one fails.</summary>
    public static void ConnectAll(IReadOnlyList<InMemoryDtlsPair> pairs, SemaphoreSlim signal, byte[] buffer)
    {
        foreach (InMemoryDtlsPair pair in pairs)
        {
            pair.Start();
        }

        int connected = 0;
        bool[] done = new bool[pairs.Count];
        while (connected < pairs.Count)
        {
            bool moved = false;
            for (int i = 0; i < pairs.Count; i++)
            {
                if (done[i])
                {
                    continue;
                }

                moved |= pairs[i].Shuttle(buffer);
                if (pairs[i].BothConnected)
                {
                    done[i] = true;
                    connected++;
                }
                else if (pairs[i].Ended)
                {
                    throw new InvalidOperationException($"Pair {i} ended: client {pairs[i].Client.FailureReason}, server {pairs[i].Server.FailureReason}.");
                }
            }

            if (!moved)
            {
                signal.Wait(5);
            }
        }
    }
}
