using System.Buffers;
using System.Buffers.Binary;
using RtcScamp.Wire;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Tests.Wire;

/// <summary>
/// Writes a message in MessagePack forms another encoder might choose and the decoder must accept (docs/wire.md,
/// "accepted on decode"): array16/array32 headers, any integer form that holds the value (signed ones included),
/// float32 or integer budgets, bin16/bin32 for short byte fields and NodeIds. Each choice is taken from
/// <c>choices</c>, so FsCheck explores and shrinks them.
/// </summary>
public sealed class LenientEncoding
{
    private readonly List<byte> _bytes = [];
    private readonly int[] _choices;
    private int _next;

    private LenientEncoding(int[] choices) => _choices = choices.Length == 0 ? [0] : choices;

    /// <summary>
    /// The body, and the message the decoder must return for it: <paramref name="message"/> itself, except a budget
    /// written as float32 or an integer comes back as that value widened to double.
    /// </summary>
    public static byte[] Encode(in WireMessage message, int[] choices, out WireMessage expected)
    {
        var w = new LenientEncoding(choices);
        expected = message;
        switch (message.Type)
        {
            case MessageType.Hello:
            {
                Hello m = message.AsHello();
                w.Header(4, MessageType.Hello);
                w.UInt(m.Version);
                w.Id(m.Node);
                w.UInt((ulong)m.Capabilities);
                break;
            }

            case MessageType.Subscribe:
            {
                Subscribe m = message.AsSubscribe();
                w.Header(6, MessageType.Subscribe);
                w.Id(m.Subscriber);
                double budget = w.Double(m.Budget);
                w.UInt((ulong)m.Flags);
                w.Bin(m.Contact);
                w.Bin(m.Route.Bytes);
                expected = m with { Budget = budget };
                break;
            }

            case MessageType.ForwardedSubscription:
            {
                ForwardedSubscription m = message.AsForwardedSubscription();
                w.Header(6, MessageType.ForwardedSubscription);
                w.Id(m.Subscriber);
                w.UInt(m.Hops);
                w.UInt((ulong)m.Flags);
                w.Bin(m.Contact);
                w.Bin(m.Route.Bytes);
                break;
            }

            case MessageType.Accept:
            {
                Accept m = message.AsAccept();
                w.Header(4, MessageType.Accept);
                w.Id(m.Keeper);
                w.Id(m.Subscriber);
                w.UInt((ulong)m.Flags);
                break;
            }

            case MessageType.Unsubscribe:
            {
                Unsubscribe m = message.AsUnsubscribe();
                w.Header(4, MessageType.Unsubscribe);
                w.Id(m.Leaver);
                w.Id(m.Replacement);
                w.Bin(m.ReplacementContact);
                break;
            }

            case MessageType.Remove:
                w.Header(2, MessageType.Remove);
                w.UInt((ulong)message.AsRemove().Arc);
                break;

            case MessageType.Heartbeat:
                w.Header(2, MessageType.Heartbeat);
                w.UInt(message.AsHeartbeat().Sequence);
                break;

            case MessageType.Signal:
            {
                Signal m = message.AsSignal();
                w.Header(7, MessageType.Signal);
                w.Id(m.Source);
                w.Id(m.Target);
                w.UInt((ulong)m.Kind);
                w.UInt(m.Hop);
                w.Bin(m.Route.Bytes);
                w.Bin(m.Payload);
                break;
            }

            case MessageType.Broadcast:
            {
                Broadcast m = message.AsBroadcast();
                w.Header(5, MessageType.Broadcast);
                w.Id(m.Id.Origin);
                w.UInt(m.Id.Sequence);
                w.UInt(m.Hops);
                w.Bin(m.Payload);
                break;
            }

            default:
                throw new ArgumentException("no message", nameof(message));
        }

        return [.. w._bytes];
    }

    private int Choose(int options) => (int)((uint)_choices[_next++ % _choices.Length] % (uint)options);

    private void Header(int count, MessageType type)
    {
        switch (Choose(3))
        {
            case 0:
                _bytes.Add((byte)(0x90 | count));
                break;
            case 1:
                _bytes.Add(0xdc);
                BigEndian(count, 2);
                break;
            default:
                _bytes.Add(0xdd);
                BigEndian(count, 4);
                break;
        }

        UInt((ulong)type);
    }

    /// <summary>Any of the nine integer forms that holds <paramref name="value"/>.</summary>
    private void UInt(ulong value)
    {
        var forms = new List<(byte Code, int Size)>();
        if (value <= 0x7f)
        {
            forms.Add((0, 0));
        }

        if (value <= byte.MaxValue)
        {
            forms.Add((0xcc, 1));
        }

        if (value <= ushort.MaxValue)
        {
            forms.Add((0xcd, 2));
        }

        if (value <= uint.MaxValue)
        {
            forms.Add((0xce, 4));
        }

        forms.Add((0xcf, 8));
        if (value <= (ulong)sbyte.MaxValue)
        {
            forms.Add((0xd0, 1));
        }

        if (value <= (ulong)short.MaxValue)
        {
            forms.Add((0xd1, 2));
        }

        if (value <= int.MaxValue)
        {
            forms.Add((0xd2, 4));
        }

        if (value <= long.MaxValue)
        {
            forms.Add((0xd3, 8));
        }

        (byte code, int size) = forms[Choose(forms.Count)];
        if (code == 0)
        {
            _bytes.Add((byte)value);
            return;
        }

        _bytes.Add(code);
        BigEndian((long)value, size);
    }

    /// <summary>Writes <paramref name="value"/> as float64, float32 or an integer; returns the value a decoder reads back.</summary>
    private double Double(double value)
    {
        int choice = Choose(3);
        if (choice == 1 && float.IsFinite((float)value))
        {
            _bytes.Add(0xca);
            BigEndian(BitConverter.SingleToInt32Bits((float)value), 4);
            return (float)value;
        }

        if (choice == 2 && Math.Floor(value) == value && value is >= 0 and < 18446744073709551616.0)
        {
            UInt((ulong)value);
            return (ulong)value;
        }

        if (choice == 2 && Math.Floor(value) == value && value is < 0 and >= -9223372036854775808.0)
        {
            long signed = (long)value;
            if (signed >= -32)
            {
                _bytes.Add((byte)(sbyte)signed);
            }
            else
            {
                int size = signed >= sbyte.MinValue ? 1 : signed >= short.MinValue ? 2 : signed >= int.MinValue ? 4 : 8;
                _bytes.Add(size switch { 1 => 0xd0, 2 => 0xd1, 4 => 0xd2, _ => 0xd3 });
                BigEndian(signed, size);
            }

            return signed;
        }

        _bytes.Add(0xcb);
        BigEndian(BitConverter.DoubleToInt64Bits(value), 8);
        return value;
    }

    private void Id(NodeId id)
    {
        var bytes = new byte[NodeId.Size];
        id.Write(bytes);
        Bin(new ReadOnlySequence<byte>(bytes));
    }

    private void Bin(in ReadOnlySequence<byte> bytes)
    {
        long length = bytes.Length;
        int smallest = length <= byte.MaxValue ? 0 : length <= ushort.MaxValue ? 1 : 2;
        int form = smallest + Choose(3 - smallest);
        _bytes.Add((byte)(0xc4 + form));
        BigEndian(length, form switch { 0 => 1, 1 => 2, _ => 4 });
        _bytes.AddRange(bytes.ToArray());
    }

    private void BigEndian(long value, int size)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(buffer, value);
        foreach (byte b in buffer[(8 - size)..])
        {
            _bytes.Add(b);
        }
    }
}
