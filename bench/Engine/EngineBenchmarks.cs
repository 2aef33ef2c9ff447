using System.Buffers;
using BenchmarkDotNet.Attributes;
using RtcScamp.Engine;
using RtcScamp.Engine.Randomness;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Framing;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Bench.Engine;

/// <summary>
/// One node with 8 PartialView members, fed frames as a transport would: decode, dedup, decide forwards, and encode
/// every forward into one reused buffer. Each benchmark invocation handles <see cref="Batch"/> frames.
/// </summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private const int Batch = 1024;
    private const int Distinct = 8192;
    private readonly ArrayBufferWriter<byte> _out = new(1 << 16);
    private ScampNode _node = null!;
    private ReadOnlySequence<byte>[] _broadcasts = null!;
    private ReadOnlySequence<byte> _duplicate;
    private ReadOnlySequence<byte> _heartbeat;
    private WireMessage[] _copies = null!;
    private WireMessage[] _decoded = null!;
    private int _next;

    /// <summary>
    /// True: random 128-bit ids, as a deployment's (the peer table keeps the ids and confirms each key match); false:
    /// ids of one high word and a small low word, as a simulator's (the keys stand for the ids).
    /// </summary>
    [Params(false, true)]
    public bool RandomIds { get; set; }

    private NodeId N(int i)
    {
        ulong state = (ulong)i;
        return RandomIds ? new(Xoshiro256StarStar.SplitMix64(ref state), Xoshiro256StarStar.SplitMix64(ref state)) : new(0xBE, (ulong)i);
    }

    [GlobalSetup]
    public void Setup()
    {
        var options = new ScampOptions { HeartbeatPeriod = 0, Lease = 0, SendHello = false, ReportViewChanges = false, DedupCapacity = 4096 };
        _node = new ScampNode(N(0), options, 1);
        for (int i = 1; i <= 8; i++)
        {
            _node.HandleConnectionUp(N(i), 0);
            _node.Join(N(i), 0);
            _node.HandleMessage(N(i), new Accept(N(0), N(i), SubscribeFlags.None), 0);
        }

        Drain();
        byte[] payload = new byte[64];
        _broadcasts = new ReadOnlySequence<byte>[Distinct];
        for (int i = 0; i < Distinct; i++)
        {
            _broadcasts[i] = Encode(new Broadcast(new MessageId(N(100 + (i % 16)), (ulong)i), 2, new ReadOnlySequence<byte>(payload)));
        }

        _decoded = new WireMessage[Distinct];
        for (int i = 0; i < Distinct; i++)
        {
            MessageCodec.TryDecode(_broadcasts[i], WireLimits.Default, out _decoded[i]);
        }

        _duplicate = _broadcasts[0];
        _node.HandleFrame(N(1), _duplicate, 0);
        _heartbeat = Encode(new Heartbeat(12345));

        // Forwarded subscriptions for subscribers already in the PartialView: always passed on (the common case),
        // with a three-hop route that the node extends. Eight subscribers cycle so the seen count never trips.
        var route = new byte[3 * NodeId.Size];
        _copies = new WireMessage[8];
        for (int i = 0; i < 8; i++)
        {
            N(i + 1).Write(route);
            _copies[i] = new ForwardedSubscription(N(i + 1), 3, SubscribeFlags.None, default, new NodeRoute(new ReadOnlySequence<byte>(route.ToArray())));
        }

        Drain();
    }

    /// <summary>New broadcast each time: decode, dedup miss, deliver, 7 forwards encoded (ids recycle after 8192 > ring 4096).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReceiveNewBroadcastFrame()
    {
        int written = 0;
        for (int i = 0; i < Batch; i++)
        {
            _node.HandleFrame(N(1), _broadcasts[_next], 0);
            _next = (_next + 1) & (Distinct - 1);
            written += Drain();
        }

        return written;
    }

    /// <summary>Engine only: a decoded new broadcast, dedup miss, deliver, 7 forward outputs drained (not encoded).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReceiveNewBroadcastMessage()
    {
        int n = 0;
        for (int i = 0; i < Batch; i++)
        {
            _node.HandleMessage(N(1), _decoded[_next], 0);
            _next = (_next + 1) & (Distinct - 1);
            while (_node.TryPollOutput(out _))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>Engine only: a decoded duplicate (dedup hit).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReceiveDuplicateBroadcastMessage()
    {
        int n = 0;
        for (int i = 0; i < Batch; i++)
        {
            _node.HandleMessage(N(2), _decoded[0], 0);
            while (_node.TryPollOutput(out _))
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>A copy already seen (most receptions in an epidemic): decode and dedup hit.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReceiveDuplicateBroadcastFrame()
    {
        int written = 0;
        for (int i = 0; i < Batch; i++)
        {
            _node.HandleFrame(N(2), _duplicate, 0);
            written += Drain();
        }

        return written;
    }

    /// <summary>
    /// What a node really receives in an epidemic with fanout 8: each broadcast arrives once as new (decode, deliver,
    /// 7 forwards encoded) and 7 more times as duplicates from its other in-neighbours (decode, dedup hit).
    /// Reported per reception, so 1/Mean is receptions per second on one core.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Batch * 8)]
    public int ReceiveEpidemicMixPerReception()
    {
        int written = 0;
        for (int i = 0; i < Batch; i++)
        {
            ReadOnlySequence<byte> frame = _broadcasts[_next];
            _next = (_next + 1) & (Distinct - 1);
            for (int from = 1; from <= 8; from++)
            {
                _node.HandleFrame(N(from), frame, 0);
                written += Drain();
            }
        }

        return written;
    }

    /// <summary>A forwarded subscription that must be passed on: rule check, random target, route extended, encoded.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int HandleForwardedSubscription()
    {
        int written = 0;
        for (int i = 0; i < Batch; i++)
        {
            _node.HandleMessage(N(1 + (i & 7)), _copies[i & 7], i);
            written += Drain();
        }

        return written;
    }

    /// <summary>A heartbeat frame: decode, peer lookup, liveness reset.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int HandleHeartbeatFrame()
    {
        int written = 0;
        for (int i = 0; i < Batch; i++)
        {
            _node.HandleFrame(N(1 + (i & 7)), _heartbeat, 0);
            written += Drain();
        }

        return written;
    }

    private static ReadOnlySequence<byte> Encode(in WireMessage message)
    {
        var w = new ArrayBufferWriter<byte>();
        MessageCodec.Write(w, message);
        return new ReadOnlySequence<byte>(w.WrittenMemory.ToArray());
    }

    private int Drain()
    {
        _out.ResetWrittenCount();
        while (_node.TryPollOutput(out NodeOutput o))
        {
            if (o.Kind == OutputKind.Send)
            {
                Frame.Write(_out, o.Message);
            }
        }

        return _out.WrittenCount;
    }
}
