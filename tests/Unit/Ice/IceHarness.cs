using System.Net;
using RtcScamp.Transport.WebRtc.Ice;
using RtcScamp.Transport.WebRtc.Stun;

namespace RtcScamp.Tests.Ice;

/// <summary>
/// Two sans-IO agents joined by an in-memory network with fake time: every PollTransmit output is
/// delivered to the other agent's HandleReceive after <see cref="Latency"/> ms, unless
/// <see cref="Drop"/> says otherwise. <see cref="SourceOfA"/> lets a test put A behind a "NAT" so B
/// sees a different source address than A's host candidate. No socket is involved.
/// </summary>
internal sealed class IceHarness
{
    private readonly List<(long At, IPEndPoint From, IPEndPoint To, byte[] Data)> _inFlight = [];
    private readonly byte[] _buffer = new byte[StunProtocol.MaxMessageSize];

    public IceHarness(ulong seed, bool aControlling = true, bool bControlling = false, IceAgentConfig? config = null)
    {
        var random = new SeededIceRandom(seed);
        A = new IceAgent(IceCredentials.Generate(random), aControlling, new SeededIceRandom(seed + 1), config);
        B = new IceAgent(IceCredentials.Generate(random), bControlling, new SeededIceRandom(seed + 2), config);
        AHost = A.AddLocalHostCandidate(AAddress);
        BHost = B.AddLocalHostCandidate(BAddress);
    }

    public static IPEndPoint AAddress { get; } = new(IPAddress.Parse("127.0.0.1"), 40001);

    public static IPEndPoint BAddress { get; } = new(IPAddress.Parse("127.0.0.2"), 40002);

    public IceAgent A { get; }

    public IceAgent B { get; }

    public IceCandidate AHost { get; }

    public IceCandidate BHost { get; }

    public long Now { get; private set; }

    public long Latency { get; set; } = 5;

    public Func<IPEndPoint, IPEndPoint, bool> Drop { get; set; } = static (_, _) => false;

    public IPEndPoint SourceOfA { get; set; } = AAddress;

    public List<IceEvent> EventsA { get; } = [];

    public List<IceEvent> EventsB { get; } = [];

    /// <summary>Everything B received, for asserting on the exact exchange.</summary>
    public List<(IPEndPoint From, byte[] Data)> ReceivedByB { get; } = [];

    /// <summary>Gives each agent the other's credentials and host candidate (full signaling).</summary>
    public void SignalAToB(bool candidates = true)
    {
        B.SetRemoteCredentials(new IceCredentials(A.LocalCredentials.Ufrag, A.LocalCredentials.Password));
        if (candidates)
        {
            B.AddRemoteCandidate(new IceCandidate(IceCandidateType.Host, AAddress, AHost.Priority, "ra"));
        }
    }

    public void SignalBToA(bool candidates = true)
    {
        A.SetRemoteCredentials(new IceCredentials(B.LocalCredentials.Ufrag, B.LocalCredentials.Password));
        if (candidates)
        {
            A.AddRemoteCandidate(new IceCandidate(IceCandidateType.Host, BAddress, BHost.Priority, "rb"));
        }
    }

    /// <summary>Runs the network until <paramref name="until"/> holds or <paramref name="duration"/> ms of fake time pass.</summary>
    public bool RunUntil(Func<bool> until, long duration)
    {
        long end = Now + duration;
        long lastNow = -1;
        int spins = 0;
        while (true)
        {
            spins = Now == lastNow ? spins + 1 : 0;
            lastNow = Now;
            if (spins > 10_000)
            {
                throw new InvalidOperationException($"Agents spin at t={Now} without progress.");
            }

            Drain();
            if (until())
            {
                return true;
            }

            long next = Math.Min(A.PollTimeout(), B.PollTimeout());
            foreach (var f in _inFlight)
            {
                next = Math.Min(next, f.At);
            }

            if (next > end)
            {
                Now = end;
                return until();
            }

            Now = Math.Max(Now, next);
            Deliver();
            if (A.PollTimeout() <= Now)
            {
                A.HandleTimeout(Now);
            }

            if (B.PollTimeout() <= Now)
            {
                B.HandleTimeout(Now);
            }
        }
    }

    public void Run(long duration) => RunUntil(static () => false, duration);

    private void Deliver()
    {
        for (int i = 0; i < _inFlight.Count; i++)
        {
            var f = _inFlight[i];
            if (f.At > Now)
            {
                continue;
            }

            _inFlight.RemoveAt(i--);
            if (f.To.Equals(AAddress) || f.To.Equals(SourceOfA))
            {
                A.HandleReceive(f.From, AAddress, f.Data, Now);
            }
            else if (f.To.Equals(BAddress))
            {
                ReceivedByB.Add((f.From, f.Data));
                B.HandleReceive(f.From, BAddress, f.Data, Now);
            }
        }
    }

    private void Drain()
    {
        int n;
        while ((n = A.PollTransmit(_buffer, out IPEndPoint? to)) > 0)
        {
            Send(SourceOfA, to!, n);
        }

        while ((n = B.PollTransmit(_buffer, out IPEndPoint? to)) > 0)
        {
            Send(BAddress, to!, n);
        }

        while (A.PollEvent(out IceEvent e))
        {
            EventsA.Add(e);
        }

        while (B.PollEvent(out IceEvent e))
        {
            EventsB.Add(e);
        }
    }

    private void Send(IPEndPoint from, IPEndPoint to, int length)
    {
        if (!Drop(from, to))
        {
            _inFlight.Add((Now + Latency, from, to, _buffer.AsSpan(0, length).ToArray()));
        }
    }
}
