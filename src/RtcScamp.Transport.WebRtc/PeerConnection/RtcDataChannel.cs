using System.Text;
using RtcScamp.Transport.WebRtc.DataChannels;

namespace RtcScamp.Transport.WebRtc;

/// <summary>Receives one data-channel message on the driver's loop.</summary>
/// <param name="channel">The channel it arrived on.</param>
/// <param name="message">The message (possibly empty); valid only during the call.</param>
/// <param name="isText">True for a text message (UTF-8, PPID 51/56), false for binary.</param>
public delegate void DataChannelMessageHandler(RtcDataChannel channel, ReadOnlySpan<byte> message, bool isText);

/// <summary>
/// A WebRTC data channel of a <see cref="PeerConnection"/> (RFC 8831): reliable, ordered or
/// unordered, messages of up to the peer's max-message-size. The thread-safe face of a
/// <see cref="DataChannel"/>: calls take the driver's lock, and sending drains SCTP's output into
/// DTLS on the caller's thread.
/// </summary>
/// <remarks>
/// Events run on a driver loop under its lock (as <see cref="PeerConnection"/>'s do): handlers must not
/// block; they may send, close, or open channels. <see cref="Closed"/> fires once, when both stream
/// directions are reset or the connection ends.
/// </remarks>
public sealed class RtcDataChannel
{
    private readonly PeerConnection _connection;
    private Action<RtcDataChannel>? _opened;
    private DataChannelMessageHandler? _message;
    private Action<RtcDataChannel>? _closedHandlers;
    private Queue<(byte[], bool)>? _backlog;
    private bool _openedRaised;
    private bool _closed;

    internal RtcDataChannel(PeerConnection connection, string label, string protocol, bool ordered)
    {
        _connection = connection;
        Label = label;
        Protocol = protocol;
        Ordered = ordered;
    }

    /// <summary>
    /// Raised when the channel is open (the peer acknowledged ours, or we acknowledged the peer's). A
    /// handler attached after that moment is called at once, so opening cannot be missed.
    /// </summary>
    public event Action<RtcDataChannel>? Opened
    {
        add
        {
            lock (_connection.Driver.Gate)
            {
                _opened += value;
                if (_openedRaised && !_closed)
                {
                    value?.Invoke(this);
                }
            }
        }

        remove
        {
            lock (_connection.Driver.Gate)
            {
                _opened -= value;
            }
        }
    }

    /// <summary>
    /// Raised for each message from the peer. Messages that arrive while no handler is attached are
    /// kept and handed to the first handler attached, so none is lost between creating a channel (or
    /// receiving it) and subscribing.
    /// </summary>
    public event DataChannelMessageHandler? MessageReceived
    {
        add
        {
            lock (_connection.Driver.Gate)
            {
                _message += value;
                while (_message is not null && _backlog is { Count: > 0 })
                {
                    (byte[] m, bool text) = _backlog.Dequeue();
                    _message.Invoke(this, m, text);
                }
            }
        }

        remove
        {
            lock (_connection.Driver.Gate)
            {
                _message -= value;
            }
        }
    }

    /// <summary>Raised when <see cref="BufferedAmount"/> drops from above <see cref="BufferedAmountLowThreshold"/> to at or below it.</summary>
    public event Action<RtcDataChannel>? BufferedAmountLow;

    /// <summary>Raised once when the channel is closed in both directions (or the connection ended); a handler attached later is called at once.</summary>
    public event Action<RtcDataChannel>? Closed
    {
        add
        {
            lock (_connection.Driver.Gate)
            {
                _closedHandlers += value;
                if (_closed)
                {
                    value?.Invoke(this);
                }
            }
        }

        remove
        {
            lock (_connection.Driver.Gate)
            {
                _closedHandlers -= value;
            }
        }
    }

    /// <summary>The connection this channel belongs to.</summary>
    public PeerConnection Connection => _connection;

    /// <summary>The label given by the opener.</summary>
    public string Label { get; }

    /// <summary>The sub-protocol given by the opener (may be empty).</summary>
    public string Protocol { get; }

    /// <summary>Reliable ordered (true) or reliable unordered (false).</summary>
    public bool Ordered { get; }

    /// <summary>The SCTP stream id, or -1 while the connection is not yet up.</summary>
    public int Id
    {
        get
        {
            lock (_connection.Driver.Gate)
            {
                return Inner?.Id ?? -1;
            }
        }
    }

    /// <summary>Connecting, Open, Closing or Closed.</summary>
    public DataChannelState State
    {
        get
        {
            lock (_connection.Driver.Gate)
            {
                return _closed ? DataChannelState.Closed : Inner?.State ?? DataChannelState.Connecting;
            }
        }
    }

    /// <summary>Bytes given to <see cref="Send(ReadOnlySpan{byte})"/> and not yet acknowledged by the peer.</summary>
    public long BufferedAmount
    {
        get
        {
            lock (_connection.Driver.Gate)
            {
                return _closed || Inner is null ? 0 : Inner.BufferedAmount;
            }
        }
    }

    /// <summary>The level at which <see cref="BufferedAmountLow"/> fires (0 by default, as in browsers).</summary>
    public long BufferedAmountLowThreshold
    {
        get
        {
            lock (_connection.Driver.Gate)
            {
                return _threshold;
            }
        }

        set
        {
            lock (_connection.Driver.Gate)
            {
                _threshold = Math.Max(0, value);
                if (Inner is not null && !_closed)
                {
                    Inner.BufferedAmountLowThreshold = _threshold;
                }
            }
        }
    }

    /// <summary>The largest message <see cref="Send(ReadOnlySpan{byte})"/> accepts (the peer's max-message-size; 0 = unlimited).</summary>
    public int MaxMessageSize => _connection.RemoteMaxMessageSize;

    internal DataChannel? Inner
    {
        get => _inner;
        set
        {
            _inner = value;
            if (value is not null && _threshold > 0)
            {
                value.BufferedAmountLowThreshold = _threshold;
            }
        }
    }

    private DataChannel? _inner;
    private long _threshold;

    /// <summary>
    /// Sends a binary message (PPID 53; empty: 57). Once SCTP is up (after the connection's Connected) a
    /// channel still awaiting the peer's ACK queues the message behind its OPEN; before that, wait for <see cref="Opened"/>.
    /// </summary>
    /// <returns>Ok, or why not: TooLarge (above <see cref="MaxMessageSize"/>), BufferFull (16 MiB unacknowledged), Closed.</returns>
    public DataChannelSendResult Send(ReadOnlySpan<byte> message) => Send(message, isText: false);

    /// <summary>Sends a text message (UTF-8, PPID 51; empty: 56).</summary>
    public DataChannelSendResult Send(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Send(Encoding.UTF8.GetBytes(text), isText: true);
    }

    /// <summary>Sends a message whose bytes are already UTF-8 text (<paramref name="isText"/>) or binary.</summary>
    public DataChannelSendResult Send(ReadOnlySpan<byte> message, bool isText)
    {
        lock (_connection.Driver.Gate)
        {
            if (_closed || Inner is null)
            {
                return DataChannelSendResult.Closed; // closed, or created before the connection is up (wait for Opened)
            }

            DataChannelSendResult result = Inner.Send(message, isText);
            if (result == DataChannelSendResult.Ok)
            {
                _connection.PumpSctp();
            }

            return result;
        }
    }

    /// <summary>Closes the channel (RFC 8831 §6.7: resets its stream); <see cref="Closed"/> fires once the peer reset its side too.</summary>
    public void Close()
    {
        lock (_connection.Driver.Gate)
        {
            if (_closed)
            {
                return;
            }

            if (Inner is null)
            {
                _connection.ForgetPending(this); // never reached the wire
                RaiseClosed();
                return;
            }

            Inner.Close();
            _connection.PumpSctp();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"RtcDataChannel '{Label}' {State}";

    internal void RaiseOpened()
    {
        _openedRaised = true;
        _opened?.Invoke(this);
    }

    internal void RaiseMessage(ReadOnlySpan<byte> message, bool isText)
    {
        if (_message is null)
        {
            (_backlog ??= new()).Enqueue((message.ToArray(), isText)); // nobody listens yet: keep it
        }
        else
        {
            _message.Invoke(this, message, isText);
        }
    }

    internal void RaiseBufferedAmountLow() => BufferedAmountLow?.Invoke(this);

    internal void RaiseClosed()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _closedHandlers?.Invoke(this);
    }
}
