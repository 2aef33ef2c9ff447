using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography;
using RtcScamp.Transport.WebRtc;
using RtcScamp.Transport.WebRtc.DataChannels;
using RtcScamp.Transport.WebRtc.Pipes;
using RtcScamp.Wire;
using RtcScamp.Wire.Codec;
using RtcScamp.Wire.Framing;
using RtcScamp.Wire.Messages;
using Xunit;

namespace RtcScamp.Tests.DataChannels;

/// <summary>
/// DataChannelPipe over a real PeerConnection pair on 127.0.0.1: the engine's frame writer and reader
/// run over it unchanged, and a bulk stream to a slow reader arrives complete with both directions'
/// backpressure engaged (the pipe pauses SCTP delivery; the sender waits on BufferedAmount).
/// </summary>
public sealed class DataChannelPipeTests
{
    private static readonly IPEndPoint s_loopback = new(IPAddress.Loopback, 0);
    private static readonly NodeId s_origin = new(0x0102030405060708UL, 0x090a0b0c0d0e0f10UL);

    [Fact]
    public async Task Engine_frames_cross_the_pipe_unchanged()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        (DataChannelPipe sender, DataChannelPipe receiver) = await PipePairAsync(a, b, new DataChannelPipeOptions());

        byte[] payload = new byte[100_000];
        RandomNumberGenerator.Fill(payload);
        const int Count = 500;
        for (int i = 0; i < Count; i++)
        {
            Frame.Write(sender.Output, i % 50 == 7
                ? new Broadcast(new MessageId(s_origin, (ulong)i), 0, new ReadOnlySequence<byte>(payload))
                : new Heartbeat((ulong)i));
            if (i % 10 == 0)
            {
                await sender.Output.FlushAsync(TestContext.Current.CancellationToken);
            }
        }

        await sender.Output.FlushAsync(TestContext.Current.CancellationToken);

        int seen = 0;
        PipeReader input = receiver.Input;
        while (seen < Count)
        {
            ReadResult read = await input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            ReadOnlySequence<byte> buffer = read.Buffer;
            while (Frame.TryReadMessage(ref buffer, WireLimits.Default, out WireMessage m) == DecodeResult.Ok)
            {
                if (seen % 50 == 7)
                {
                    Assert.Equal((ulong)seen, m.AsBroadcast().Id.Sequence);
                    Assert.True(m.AsBroadcast().Payload.ToArray().AsSpan().SequenceEqual(payload));
                }
                else
                {
                    Assert.Equal((ulong)seen, m.AsHeartbeat().Sequence);
                }

                seen++;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            Assert.False(read.IsCompleted, $"stream ended after {seen} frames");
        }

        await sender.DisposeAsync();
        await receiver.DisposeAsync();
    }

    [Fact]
    public async Task Bulk_stream_to_a_slow_reader_arrives_complete_with_backpressure()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        var small = new DataChannelPipeOptions { SendHighWater = 256 * 1024, SendLowWater = 64 * 1024, ReceivePauseThreshold = 128 * 1024, ReceiveResumeThreshold = 32 * 1024 };
        (DataChannelPipe sender, DataChannelPipe receiver) = await PipePairAsync(a, b, small);

        byte[] data = new byte[8 * 1024 * 1024];
        RandomNumberGenerator.Fill(data);
        long maxBuffered = 0;
        Task write = Task.Run(async () =>
        {
            var rng = new Random(5);
            int offset = 0;
            while (offset < data.Length)
            {
                int n = Math.Min(rng.Next(1, 200_000), data.Length - offset);
                await sender.Output.WriteAsync(data.AsMemory(offset, n), TestContext.Current.CancellationToken);
                offset += n;
                maxBuffered = Math.Max(maxBuffered, sender.Channel.BufferedAmount);
            }

            await sender.Output.CompleteAsync();
        }, TestContext.Current.CancellationToken);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long total = 0;
        int reads = 0;
        while (true)
        {
            ReadResult read = await receiver.Input.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            foreach (ReadOnlyMemory<byte> segment in read.Buffer)
            {
                hash.AppendData(segment.Span);
            }

            total += read.Buffer.Length;
            receiver.Input.AdvanceTo(read.Buffer.End);
            if (++reads % 8 == 0)
            {
                await Task.Delay(2, TestContext.Current.CancellationToken); // a slow reader: the pipe fills and pauses SCTP
            }

            if (read.IsCompleted)
            {
                break; // the sender completed its output: the channel closed after the last byte
            }
        }

        await write;
        Assert.Equal(data.Length, total);
        Assert.Equal(SHA256.HashData(data), hash.GetHashAndReset());
        Assert.True(maxBuffered <= small.SendHighWater + (256 * 1024), $"sender buffered {maxBuffered} bytes");
        await receiver.DisposeAsync();
        await sender.DisposeAsync();
    }

    [Fact]
    public async Task An_unordered_channel_is_refused()
    {
        await using var a = new WebRtcUdpDriver(s_loopback);
        await using var b = new WebRtcUdpDriver(s_loopback);
        (PeerConnection offerer, _) = await PeerDataChannelTests.ConnectAsync(a, b);
        Assert.Throws<ArgumentException>(() => DataChannelPipe.Create(offerer.CreateDataChannel("u", ordered: false)));
    }

    private static async Task<(DataChannelPipe Sender, DataChannelPipe Receiver)> PipePairAsync(WebRtcUdpDriver a, WebRtcUdpDriver b, DataChannelPipeOptions options)
    {
        (PeerConnection offerer, PeerConnection answerer) = await PeerDataChannelTests.ConnectAsync(a, b);
        var incoming = new TaskCompletionSource<DataChannelPipe>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Wrapped inside the event, before any message of the channel is delivered.
        answerer.IncomingDataChannel += c => incoming.TrySetResult(DataChannelPipe.Create(c, options));
        RtcDataChannel ours = offerer.CreateDataChannel("stream");
        var sender = DataChannelPipe.Create(ours, options);
        DataChannelPipe receiver = await incoming.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(DataChannelState.Open, receiver.Channel.State);
        return (sender, receiver);
    }
}
