using System.Buffers;
using BenchmarkDotNet.Attributes;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Bench.Wire;

/// <summary>
/// Encode and decode of one message of each kind. Encode writes into a reused ArrayBufferWriter; decode reads a
/// pre-encoded body. Byte fields: 64-byte contact, 4-hop route, 256-byte payload.
/// </summary>
[MemoryDiagnoser]
public class CodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private WireMessage _message;
    private ReadOnlySequence<byte> _body;

    [ParamsAllValues]
    public MessageType Kind { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _message = Sample(Kind);
        MessageCodec.Write(_output, _message);
        _body = new ReadOnlySequence<byte>(_output.WrittenSpan.ToArray());
    }

    [Benchmark]
    public int Encode()
    {
        _output.ResetWrittenCount();
        MessageCodec.Write(_output, _message);
        return _output.WrittenCount;
    }

    [Benchmark]
    public MessageType Decode()
    {
        MessageCodec.TryDecode(_body, WireLimits.Default, out WireMessage message);
        return message.Type;
    }

    internal static WireMessage Sample(MessageType kind)
    {
        var a = new NodeId(0x0123456789abcdefUL, 0x0fedcba987654321UL);
        var b = new NodeId(0x1111111111111111UL, 0x2222222222222222UL);
        var route = new NodeRoute(new ReadOnlySequence<byte>(Filled(4 * NodeId.Size)));
        var contact = new ReadOnlySequence<byte>(Filled(64));
        var payload = new ReadOnlySequence<byte>(Filled(256));
        return kind switch
        {
            MessageType.Hello => new Hello(Hello.CurrentVersion, a, Capabilities.RelaySignal | Capabilities.TcpListener),
            MessageType.Subscribe => new Subscribe(a, 9.75, SubscribeFlags.Lease, contact, route),
            MessageType.ForwardedSubscription => new ForwardedSubscription(a, 5, SubscribeFlags.None, contact, route),
            MessageType.Accept => new Accept(a, b, SubscribeFlags.None),
            MessageType.Unsubscribe => new Unsubscribe(a, b, contact),
            MessageType.Remove => new Remove(RemoveArc.ReceiverToSender),
            MessageType.Heartbeat => new Heartbeat(1_234_567),
            MessageType.Signal => new Signal(a, b, SignalKind.Answer, 2, route, payload),
            MessageType.Broadcast => new Broadcast(new MessageId(a, 987_654_321), 3, payload),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static byte[] Filled(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 31);
        }

        return bytes;
    }
}
