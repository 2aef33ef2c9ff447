using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Messages;

namespace RtcScamp.Tests.Wire;

/// <summary>A generated message plus a readable description for counterexamples.</summary>
public sealed class MessageSample(WireMessage message, string description)
{
    public WireMessage Message { get; } = message;

    public override string ToString() => description;
}

/// <summary>A generated edit of a byte stream: flip, insert, delete or truncate at a position.</summary>
public sealed record Mutation(int Kind, int Position, byte Value)
{
    public byte[] Apply(byte[] input)
    {
        if (input.Length == 0)
        {
            return Kind == 1 ? [Value] : input;
        }

        int at = Position % input.Length;
        var list = input.ToList();
        switch (Kind)
        {
            case 0:
                list[at] ^= (byte)(Value == 0 ? 1 : Value);
                break;
            case 1:
                list.Insert(at, Value);
                break;
            case 2:
                list.RemoveAt(at);
                break;
            default:
                list.RemoveRange(at, list.Count - at);
                break;
        }

        return [.. list];
    }
}

/// <summary>FsCheck generators for every message type, covering MessagePack size-class boundaries.</summary>
public static class WireArbitraries
{
    /// <summary>Tight limits, so that generated bodies and garbage reach every limit check.</summary>
    public static readonly WireLimits TightLimits = new() { MaxFrameLength = 2048, MaxPayloadLength = 300, MaxContactLength = 20, MaxRoute = 3 };

    /// <summary>Values at MessagePack integer format boundaries.</summary>
    private static readonly ulong[] s_edges = [0, 1, 127, 128, 255, 256, 65535, 65536, uint.MaxValue, (ulong)uint.MaxValue + 1, long.MaxValue, ulong.MaxValue];

    /// <summary>Lengths at bin8/bin16/bin32 boundaries.</summary>
    private static readonly int[] s_lengthEdges = [0, 1, 255, 256, 65535, 65536];

    private static Gen<uint> UInt32 => Gen.Choose(int.MinValue, int.MaxValue).Select(i => unchecked((uint)i));

    public static Gen<ulong> UInt64 => Gen.Frequency(
        (2, Gen.Elements(s_edges)),
        (2, Gen.Choose(0, 1000).Select(i => (ulong)i)),
        (6, UInt32.Zip(UInt32, (hi, lo) => ((ulong)hi << 32) | lo)));

    public static Gen<byte> Byte => Gen.Choose(0, 255).Select(i => (byte)i);

    public static Gen<NodeId> NodeIds => UInt64.Zip(UInt64, (hi, lo) => new NodeId(hi, lo));

    private static Gen<double> Budgets => Gen.Frequency(
        (3, Gen.Elements(0.0, -0.0, 1.0, 10.0, 0.1, -3.5, double.MaxValue, double.MinValue, double.Epsilon)),
        (7, UInt64.Select(BitConverter.UInt64BitsToDouble).Where(double.IsFinite)));

    /// <summary>Bytes of a length up to <paramref name="max"/>, split into 1..4 segments at random points.</summary>
    public static Gen<ReadOnlySequence<byte>> Bytes(int max) =>
        from length in Gen.Frequency(
            (8, Gen.Choose(0, Math.Min(max, 40))),
            (2, Gen.Elements(s_lengthEdges.Where(l => l <= max).ToArray())),
            (1, Gen.Choose(0, max)))
        from seed in Gen.Choose(int.MinValue, int.MaxValue)
        from cuts in Gen.ListOf(Gen.Choose(0, length), 3)
        select ChunkedSequence.Create(Fill(length, seed), [.. cuts.Distinct().Order()]);

    public static Gen<NodeRoute> Routes(int maxHops) =>
        from hops in Gen.Choose(0, maxHops)
        from ids in Gen.ArrayOf(NodeIds, hops)
        from cut in Gen.Choose(0, hops * NodeId.Size)
        select new NodeRoute(ChunkedSequence.Create(RouteBytes(ids), cut));

    private static Gen<SubscribeFlags> Flags => Gen.Choose(0, 7).Select(f => (SubscribeFlags)f);

    /// <summary>Any message valid under <paramref name="limits"/>.</summary>
    public static Gen<WireMessage> Messages(WireLimits limits)
    {
        Gen<WireMessage> hello =
            from version in Gen.Choose(0, ushort.MaxValue)
            from node in NodeIds
            from caps in UInt64
            select (WireMessage)new Hello((ushort)version, node, (Capabilities)caps);
        Gen<WireMessage> subscribe =
            from id in NodeIds
            from budget in Budgets
            from flags in Flags
            from contact in Bytes(limits.MaxContactLength)
            from route in Routes(limits.MaxRoute)
            select (WireMessage)new Subscribe(id, budget, flags, contact, route);
        Gen<WireMessage> forwarded =
            from id in NodeIds
            from hops in Byte
            from flags in Flags
            from contact in Bytes(limits.MaxContactLength)
            from route in Routes(limits.MaxRoute)
            select (WireMessage)new ForwardedSubscription(id, hops, flags, contact, route);
        Gen<WireMessage> accept =
            from keeper in NodeIds
            from subscriber in NodeIds
            from flags in Flags
            select (WireMessage)new Accept(keeper, subscriber, flags);
        Gen<WireMessage> unsubscribe =
            from leaver in NodeIds
            from replacement in Gen.Frequency((1, Gen.Constant(NodeId.None)), (3, NodeIds))
            from contact in Bytes(limits.MaxContactLength)
            select (WireMessage)new Unsubscribe(leaver, replacement, contact);
        Gen<WireMessage> remove = Gen.Elements(RemoveArc.SenderToReceiver, RemoveArc.ReceiverToSender).Select(a => (WireMessage)new Remove(a));
        Gen<WireMessage> heartbeat = UInt64.Select(s => (WireMessage)new Heartbeat(s));
        Gen<WireMessage> signal =
            from source in NodeIds
            from target in NodeIds
            from kind in Gen.Elements(SignalKind.Offer, SignalKind.Answer, SignalKind.Unreachable)
            from hop in Byte
            from route in Routes(limits.MaxRoute)
            from payload in Bytes(limits.MaxPayloadLength)
            select (WireMessage)new Signal(source, target, kind, hop, route, payload);
        Gen<WireMessage> broadcast =
            from origin in NodeIds
            from sequence in UInt64
            from hops in Byte
            from payload in Bytes(limits.MaxPayloadLength)
            select (WireMessage)new Broadcast(new MessageId(origin, sequence), hops, payload);
        return Gen.OneOf(hello, subscribe, forwarded, accept, unsubscribe, remove, heartbeat, signal, broadcast);
    }

    public static Gen<MessageSample> Samples(WireLimits limits) => Messages(limits).Select(m => new MessageSample(m, Describe(m)));

    public static Arbitrary<MessageSample> MessageSamples() => Arb.From(Samples(WireLimits.Default));

    public static Arbitrary<MessageSample[]> MessageSampleLists() =>
        Arb.From(Gen.Choose(1, 8).SelectMany(n => Gen.ArrayOf(Samples(WireLimits.Default), n)));

    public static Arbitrary<Mutation> Mutations() =>
        Arb.From(from kind in Gen.Choose(0, 3) from position in Gen.Choose(0, int.MaxValue) from value in Byte select new Mutation(kind, position, value));

    /// <summary>True if every field of <paramref name="a"/> equals the same field of <paramref name="b"/> (bytes by content, doubles by bits).</summary>
    public static bool Same(in WireMessage a, in WireMessage b)
    {
        if (a.Type != b.Type)
        {
            return false;
        }

        switch (a.Type)
        {
            case MessageType.Hello:
                return a.AsHello() == b.AsHello();
            case MessageType.Subscribe:
            {
                Subscribe x = a.AsSubscribe(), y = b.AsSubscribe();
                return x.Subscriber == y.Subscriber && BitConverter.DoubleToInt64Bits(x.Budget) == BitConverter.DoubleToInt64Bits(y.Budget)
                    && x.Flags == y.Flags && SameBytes(x.Contact, y.Contact) && SameBytes(x.Route.Bytes, y.Route.Bytes);
            }

            case MessageType.ForwardedSubscription:
            {
                ForwardedSubscription x = a.AsForwardedSubscription(), y = b.AsForwardedSubscription();
                return x.Subscriber == y.Subscriber && x.Hops == y.Hops && x.Flags == y.Flags
                    && SameBytes(x.Contact, y.Contact) && SameBytes(x.Route.Bytes, y.Route.Bytes);
            }

            case MessageType.Accept:
                return a.AsAccept() == b.AsAccept();
            case MessageType.Unsubscribe:
            {
                Unsubscribe x = a.AsUnsubscribe(), y = b.AsUnsubscribe();
                return x.Leaver == y.Leaver && x.Replacement == y.Replacement && SameBytes(x.ReplacementContact, y.ReplacementContact);
            }

            case MessageType.Remove:
                return a.AsRemove() == b.AsRemove();
            case MessageType.Heartbeat:
                return a.AsHeartbeat() == b.AsHeartbeat();
            case MessageType.Signal:
            {
                Signal x = a.AsSignal(), y = b.AsSignal();
                return x.Source == y.Source && x.Target == y.Target && x.Kind == y.Kind && x.Hop == y.Hop
                    && SameBytes(x.Route.Bytes, y.Route.Bytes) && SameBytes(x.Payload, y.Payload);
            }

            case MessageType.Broadcast:
            {
                Broadcast x = a.AsBroadcast(), y = b.AsBroadcast();
                return x.Id == y.Id && x.Hops == y.Hops && SameBytes(x.Payload, y.Payload);
            }

            default:
                return false;
        }
    }

    /// <summary>True if every byte field of a decoded message is within <paramref name="limits"/>.</summary>
    public static bool WithinLimits(in WireMessage m, WireLimits limits) => m.Type switch
    {
        MessageType.Subscribe => m.AsSubscribe().Contact.Length <= limits.MaxContactLength && m.AsSubscribe().Route.Count <= limits.MaxRoute,
        MessageType.ForwardedSubscription => m.AsForwardedSubscription().Contact.Length <= limits.MaxContactLength && m.AsForwardedSubscription().Route.Count <= limits.MaxRoute,
        MessageType.Unsubscribe => m.AsUnsubscribe().ReplacementContact.Length <= limits.MaxContactLength,
        MessageType.Signal => m.AsSignal().Payload.Length <= limits.MaxPayloadLength && m.AsSignal().Route.Count <= limits.MaxRoute,
        MessageType.Broadcast => m.AsBroadcast().Payload.Length <= limits.MaxPayloadLength,
        MessageType.Hello or MessageType.Accept or MessageType.Remove or MessageType.Heartbeat => true,
        _ => false,
    };

    /// <summary>Distinct ascending cut positions within <c>[0, length]</c> from FsCheck's arbitrary ints, for <see cref="ChunkedSequence.Create"/>.</summary>
    public static int[] Cuts(int length, int[] cutSeeds) => [.. cutSeeds.Select(c => (int)((uint)c % (uint)(length + 1))).Distinct().Order()];

    public static byte[] EncodeFrames(IEnumerable<MessageSample> samples, WireLimits? limits = null)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach (MessageSample s in samples)
        {
            RtcScamp.Wire.Framing.Frame.Write(output, s.Message, limits ?? WireLimits.Default);
        }

        return output.WrittenSpan.ToArray();
    }

    private static bool SameBytes(in ReadOnlySequence<byte> a, in ReadOnlySequence<byte> b) => a.ToArray().AsSpan().SequenceEqual(b.ToArray());

    private static byte[] Fill(int length, int seed)
    {
        var bytes = new byte[length];
        uint x = (uint)seed | 1;
        for (int i = 0; i < bytes.Length; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            bytes[i] = (byte)x;
        }

        return bytes;
    }

    private static byte[] RouteBytes(NodeId[] ids)
    {
        var bytes = new byte[ids.Length * NodeId.Size];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i].Write(bytes.AsSpan(i * NodeId.Size));
        }

        return bytes;
    }

    private static string Describe(in WireMessage m)
    {
        var output = new ArrayBufferWriter<byte>();
        MessageCodec.Write(output, m);
        var text = new StringBuilder(m.Type.ToString()).Append(" (").Append(output.WrittenCount).Append(" bytes) ");
        text.Append(Convert.ToHexStringLower(output.WrittenSpan[..Math.Min(output.WrittenCount, 96)]));
        return text.ToString();
    }
}
