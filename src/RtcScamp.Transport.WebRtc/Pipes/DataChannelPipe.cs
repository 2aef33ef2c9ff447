// DataChannelPipe: a reliable ordered data channel (RFC 8831) as a byte stream (IDuplexPipe), so
// length-prefixed frame readers and writers written for TCP run over WebRTC unchanged.
//
//   writer ─ PipeWriter ─▶ [send loop] ─ slices ≤ MaxMessageChunk (and ≤ the peer's max-message-size)
//                                          ─▶ RtcDataChannel.Send, one message each;
//                                          waits while BufferedAmount ≥ SendHighWater until
//                                          BufferedAmountLow (threshold SendLowWater)
//   reader ◀─ PipeReader ◀─ every received message appended in arrival order (the driver loop writes);
//                           when the reader falls behind by ReceivePauseThreshold, the connection
//                           stops taking SCTP messages until the reader catches up (the SCTP receive
//                           window closes, so the peer's sender stops)
//
// Message boundaries carry no meaning here: the stream is the concatenation of the messages. Ordered
// delivery is what makes that a stream, so unordered channels are refused.
using System.Buffers;
using System.IO.Pipelines;
using RtcScamp.Transport.WebRtc.DataChannels;

namespace RtcScamp.Transport.WebRtc.Pipes;

/// <summary>Thresholds of a <see cref="DataChannelPipe"/>; every member has a working default.</summary>
public sealed record DataChannelPipeOptions
{
    /// <summary>Largest message the send loop cuts from the stream (further capped by the peer's max-message-size).</summary>
    public int MaxMessageChunk { get; init; } = 64 * 1024;

    /// <summary>The send loop waits while the channel has this many bytes unacknowledged.</summary>
    public long SendHighWater { get; init; } = 1024 * 1024;

    /// <summary>... and resumes when it drops to this (the channel's BufferedAmountLowThreshold).</summary>
    public long SendLowWater { get; init; } = 256 * 1024;

    /// <summary>Unread received bytes at which the connection stops taking messages (PipeOptions.pauseWriterThreshold).</summary>
    public long ReceivePauseThreshold { get; init; } = 1024 * 1024;

    /// <summary>Unread received bytes at which it takes them again.</summary>
    public long ReceiveResumeThreshold { get; init; } = 512 * 1024;
}

/// <summary>
/// A reliable ordered <see cref="RtcDataChannel"/> as an <see cref="IDuplexPipe"/>: bytes written to
/// <see cref="Output"/> and flushed go out as one or more messages; received messages are appended to
/// <see cref="Input"/>. Completing <see cref="Output"/> closes the channel; the channel closing completes
/// <see cref="Input"/>. Runs no thread: the send loop is an async task that waits on the pipe.
/// </summary>
public sealed class DataChannelPipe : IDuplexPipe, IAsyncDisposable
{
    private readonly RtcDataChannel _channel;
    private readonly DataChannelPipeOptions _options;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly Task _sendLoop;
    private readonly byte[] _chunk;
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _low;
    private bool _receivePaused;

    private DataChannelPipe(RtcDataChannel channel, DataChannelPipeOptions options)
    {
        _channel = channel;
        _options = options;
        _input = new Pipe(new PipeOptions(
            pauseWriterThreshold: options.ReceivePauseThreshold,
            resumeWriterThreshold: options.ReceiveResumeThreshold,
            useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(pauseWriterThreshold: options.SendHighWater, resumeWriterThreshold: options.SendLowWater, useSynchronizationContext: false));
        int peerMax = channel.MaxMessageSize;
        _chunk = new byte[peerMax > 0 ? Math.Min(options.MaxMessageChunk, peerMax) : options.MaxMessageChunk];
        channel.BufferedAmountLowThreshold = options.SendLowWater;
        channel.MessageReceived += OnMessage;
        channel.BufferedAmountLow += OnBufferedAmountLow;
        channel.Closed += OnClosed;
        channel.Opened += _ => _opened.TrySetResult();
        if (channel.State != DataChannelState.Connecting || channel.Id >= 0)
        {
            _opened.TrySetResult(); // open, or SCTP is up and sending queues behind the OPEN
        }

        if (channel.State == DataChannelState.Closed)
        {
            _input.Writer.Complete();
        }

        _sendLoop = Task.Run(SendLoopAsync);
    }

    /// <summary>Bytes from the peer, in order.</summary>
    public PipeReader Input => _input.Reader;

    /// <summary>Bytes to the peer; each flush sends what was written.</summary>
    public PipeWriter Output => _output.Writer;

    /// <summary>The channel underneath.</summary>
    public RtcDataChannel Channel => _channel;

    /// <summary>
    /// Wraps <paramref name="channel"/> (open or still connecting). Attach before the peer sends: a
    /// message that arrives before is not in the stream.
    /// </summary>
    /// <exception cref="ArgumentException">The channel is unordered (its messages could overtake each other).</exception>
    public static DataChannelPipe Create(RtcDataChannel channel, DataChannelPipeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(channel);
        if (!channel.Ordered)
        {
            throw new ArgumentException("Only an ordered channel is a byte stream.", nameof(channel));
        }

        options ??= new DataChannelPipeOptions();
        if (options.MaxMessageChunk <= 0 || options.SendLowWater < 0 || options.SendHighWater <= options.SendLowWater
            || options.ReceiveResumeThreshold < 0 || options.ReceivePauseThreshold <= options.ReceiveResumeThreshold)
        {
            throw new ArgumentException("Chunk must be positive and each high threshold above its low one.", nameof(options));
        }

        return new DataChannelPipe(channel, options);
    }

    /// <summary>Completes the output (which closes the channel once sent) and waits for the send loop.</summary>
    public async ValueTask DisposeAsync()
    {
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _sendLoop.ConfigureAwait(false);
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
    }

    // Driver loop, under the driver lock: must not block.
    private void OnMessage(RtcDataChannel channel, ReadOnlySpan<byte> message, bool isText)
    {
        if (message.IsEmpty)
        {
            return;
        }

        _input.Writer.Write(message);
        ValueTask<FlushResult> flush = _input.Writer.FlushAsync();
        if (!flush.IsCompleted && !_receivePaused)
        {
            // The reader is ReceivePauseThreshold behind: hold further messages in SCTP until it catches up.
            _receivePaused = true;
            channel.Connection.PauseReceiving();
            _ = ResumeWhenReadAsync(flush);
        }
    }

    private async Task ResumeWhenReadAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            await flush.ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // The reader completed: nothing will read further, but the connection must not stay paused.
        }

        _receivePaused = false;
        _channel.Connection.ResumeReceiving();
    }

    private void OnBufferedAmountLow(RtcDataChannel channel) => Volatile.Read(ref _low)?.TrySetResult();

    private void OnClosed(RtcDataChannel channel)
    {
        _input.Writer.Complete();
        _opened.TrySetResult();
        Volatile.Read(ref _low)?.TrySetResult();
    }

    private async Task SendLoopAsync()
    {
        PipeReader reader = _output.Reader;
        Exception? error = null;
        try
        {
            await _opened.Task.ConfigureAwait(false); // created before the connection was up
            while (true)
            {
                ReadResult read = await reader.ReadAsync().ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = read.Buffer;
                try
                {
                    while (!buffer.IsEmpty)
                    {
                        int n = (int)Math.Min(buffer.Length, _chunk.Length);
                        buffer.Slice(0, n).CopyTo(_chunk);
                        await SendAsync(n).ConfigureAwait(false);
                        buffer = buffer.Slice(n);
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }

                if (read.IsCompleted || read.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (IOException e)
        {
            error = e;
        }

        await reader.CompleteAsync(error).ConfigureAwait(false);
        _channel.Close();
    }

    private async Task SendAsync(int length)
    {
        while (true)
        {
            if (_channel.BufferedAmount >= _options.SendHighWater)
            {
                await WaitLowAsync().ConfigureAwait(false);
            }

            DataChannelSendResult sent = _channel.Send(_chunk.AsSpan(0, length));
            switch (sent)
            {
                case DataChannelSendResult.Ok:
                    return;
                case DataChannelSendResult.BufferFull:
                    await WaitLowAsync().ConfigureAwait(false);
                    break;
                default:
                    throw new IOException($"The data channel refused the data: {sent}.");
            }
        }
    }

    private Task WaitLowAsync()
    {
        var low = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _low, low);
        // Re-check after publishing: the event may have fired between the caller's check and now.
        if (_channel.BufferedAmount <= _options.SendLowWater || _channel.State == DataChannelState.Closed)
        {
            low.TrySetResult();
        }

        return low.Task;
    }
}
