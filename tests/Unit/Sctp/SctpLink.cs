using RtcScamp.Transport.WebRtc.Sctp;

namespace RtcScamp.Tests.Sctp;

/// <summary>One side of an in-memory link: anything with the sans-IO SCTP shape.</summary>
internal interface ILinkEndpoint
{
    void HandlePacket(ReadOnlySpan<byte> packet, long now);

    int PollTransmit(Span<byte> buffer, long now);

    void HandleTimeout(long now);

    long PollTimeout();

    /// <summary>Drains the endpoint's events (the adapter records them).</summary>
    void DrainEvents();
}

/// <summary>Adapter recording an association's events and messages.</summary>
internal sealed class AssociationEndpoint(SctpAssociation association) : ILinkEndpoint
{
    private byte[] _read = new byte[300 * 1024];

    public SctpAssociation Association { get; } = association;

    public List<SctpEvent> Events { get; } = [];

    public List<(ushort Stream, uint Ppid, byte[] Data, bool Unordered)> Messages { get; } = [];

    /// <summary>While true, events (and so messages) stay queued inside the association: a stalled reader.</summary>
    public bool Paused { get; set; }

    /// <summary>When set, message bytes are counted but not kept (large transfers).</summary>
    public bool CountOnly { get; set; }

    public long BytesReceived { get; private set; }

    public int MessageCount { get; private set; }

    public void HandlePacket(ReadOnlySpan<byte> packet, long now) => Association.HandlePacket(packet, now);

    public int PollTransmit(Span<byte> buffer, long now) => Association.PollTransmit(buffer, now);

    public void HandleTimeout(long now) => Association.HandleTimeout(now);

    public long PollTimeout() => Association.PollTimeout();

    public void DrainEvents()
    {
        while (!Paused && Association.PollEvent(out SctpEvent ev))
        {
            if (ev.Kind == SctpEventKind.Message)
            {
                if (_read.Length < ev.Length)
                {
                    _read = new byte[ev.Length];
                }

                int n = Association.ReadMessage(_read);
                BytesReceived += n;
                MessageCount++;
                if (!CountOnly)
                {
                    Messages.Add((ev.StreamId, ev.Ppid, _read.AsSpan(0, n).ToArray(), ev.Unordered));
                }
            }
            else
            {
                Events.Add(ev);
            }
        }
    }
}

/// <summary>
/// Discrete-event, fake-time link between two endpoints: one-way latency, seeded loss, duplication
/// and reordering (extra random delay). Deterministic for a given seed. Each delivered packet is
/// followed by draining both sides' output, as a socket driver does per datagram.
/// </summary>
internal sealed class SctpLink
{
    private readonly ILinkEndpoint[] _sides;
    private readonly PriorityQueue<(int To, byte[] Packet), (long At, long Seq)> _wire = new();
    private readonly Random _random;
    private readonly byte[] _buffer = new byte[65536];
    private long _seq;

    public SctpLink(ILinkEndpoint a, ILinkEndpoint b, int seed = 1)
    {
        _sides = [a, b];
        _random = new Random(seed);
    }

    public long Now { get; private set; }

    public int LatencyMs { get; set; } = 10;

    public double Loss { get; set; }

    public double Duplication { get; set; }

    public double Reordering { get; set; }

    public long PacketsSent { get; private set; }

    /// <summary>When positive, time also advances in steps of this size with no traffic (for Observe-driven tests).</summary>
    public int TickMs { get; set; }

    /// <summary>Optional tap on every packet put on the wire (index of sender, bytes).</summary>
    public Func<int, byte[], bool>? Filter { get; set; }

    /// <summary>Called after every step; used to sample state such as buffer usage.</summary>
    public Action? Observe { get; set; }

    public void Flush()
    {
        for (int s = 0; s < 2; s++)
        {
            int n;
            while ((n = _sides[s].PollTransmit(_buffer, Now)) > 0)
            {
                byte[] packet = _buffer.AsSpan(0, n).ToArray();
                PacketsSent++;
                if (Filter is not null && !Filter(s, packet))
                {
                    continue;
                }

                if (Loss > 0 && _random.NextDouble() < Loss)
                {
                    continue;
                }

                Enqueue(1 - s, packet);
                if (Duplication > 0 && _random.NextDouble() < Duplication)
                {
                    Enqueue(1 - s, packet);
                }
            }

            _sides[s].DrainEvents();
        }
    }

    private void Enqueue(int to, byte[] packet)
    {
        long delay = LatencyMs;
        if (Reordering > 0 && _random.NextDouble() < Reordering)
        {
            delay += _random.Next(1, (2 * LatencyMs) + 2);
        }

        _wire.Enqueue((to, packet), (Now + delay, _seq++));
    }

    /// <summary>Runs until <paramref name="done"/> holds or fake time passes <paramref name="limitMs"/> more; returns done().</summary>
    public bool RunUntil(Func<bool> done, long limitMs = 600_000)
    {
        long end = Now + limitMs;
        while (true)
        {
            Flush();
            Observe?.Invoke();
            if (done())
            {
                return true;
            }

            long next = Math.Min(_sides[0].PollTimeout(), _sides[1].PollTimeout());
            if (_wire.TryPeek(out _, out (long At, long Seq) head))
            {
                next = Math.Min(next, head.At);
            }

            if (TickMs > 0)
            {
                next = Math.Min(next, Now + TickMs);
            }

            if (next == long.MaxValue || next > end)
            {
                Now = Math.Max(Now, Math.Min(end, next));
                return done();
            }

            Now = Math.Max(Now, next);
            while (_wire.TryPeek(out (int To, byte[] Packet) item, out (long At, long Seq) at) && at.At <= Now)
            {
                _wire.Dequeue();
                _sides[item.To].HandlePacket(item.Packet, Now);

                // Like a driver: answer each datagram before reading the next.
                Flush();
            }

            for (int s = 0; s < 2; s++)
            {
                if (_sides[s].PollTimeout() <= Now)
                {
                    _sides[s].HandleTimeout(Now);
                }
            }
        }
    }

    /// <summary>Advances fake time without traffic (used to let a stalled reader stay stalled).</summary>
    public void Advance(long ms) => RunUntil(() => false, ms);
}
