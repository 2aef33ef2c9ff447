using RtcScamp.Transport.WebRtc.Sctp;

namespace RtcScamp.Tests;

/// <summary>
/// Two SCTP associations shuttled in memory with zero latency (no DTLS, no sockets, no collections or
/// closures, so only the stack itself can allocate): A sends on stream 1 as binary (PPID 53), B reads.
/// Shared by the allocation guard (tests/Unit) and the throughput benchmark (bench/Sctp).
/// </summary>
internal sealed class SctpInMemoryPair
{
    private readonly SctpAssociation _a = Create(1);
    private readonly SctpAssociation _b = Create(2);
    private readonly byte[] _packet = new byte[1500];
    private readonly byte[] _read = new byte[256 * 1024];
    private long _now;

    /// <summary>Both sides connect at once (an INIT collision, as in WebRTC) and are established on return.</summary>
    public SctpInMemoryPair()
    {
        _a.Connect(0);
        _b.Connect(0);
        while (_a.State != SctpAssociationState.Established || _b.State != SctpAssociationState.Established)
        {
            Shuttle();
        }

        while (_a.PollEvent(out _) || _b.PollEvent(out _))
        {
        }
    }

    /// <summary>Messages B has read so far.</summary>
    public int Delivered { get; private set; }

    /// <summary>Queues <paramref name="count"/> copies of <paramref name="message"/> and shuttles until all are read and acknowledged.</summary>
    public void Transfer(byte[] message, int count = 1)
    {
        for (int i = 0; i < count; i++)
        {
            if (_a.Send(1, 53, message) != SctpSendResult.Ok)
            {
                throw new InvalidOperationException("send refused");
            }
        }

        int target = Delivered + count;
        while (Delivered < target || _a.BufferedAmount > 0)
        {
            Shuttle();
        }
    }

    private static SctpAssociation Create(byte seed)
    {
        var bytes = new byte[32];
        Array.Fill(bytes, seed);
        return new SctpAssociation(new SctpAssociationOptions(), bytes);
    }

    private void Shuttle()
    {
        _now++;
        bool moved = Move(_a, _b) | Move(_b, _a);
        while (_b.PollEvent(out SctpEvent ev))
        {
            if (ev.Kind == SctpEventKind.Message)
            {
                _b.ReadMessage(_read);
                Delivered++;
            }
        }

        while (_a.PollEvent(out _))
        {
        }

        if (!moved)
        {
            _now = Math.Max(_now, Math.Min(_a.PollTimeout(), _b.PollTimeout()));
            _a.HandleTimeout(_now);
            _b.HandleTimeout(_now);
        }
    }

    private bool Move(SctpAssociation from, SctpAssociation to)
    {
        bool any = false;
        int n;
        while ((n = from.PollTransmit(_packet, _now)) > 0)
        {
            to.HandlePacket(_packet.AsSpan(0, n), _now);
            any = true;
        }

        return any;
    }
}
