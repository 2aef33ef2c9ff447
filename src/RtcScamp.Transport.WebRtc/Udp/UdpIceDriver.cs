using System.Diagnostics;
using System.Net;
using System.Threading.Channels;
using RtcScamp.Transport.WebRtc.Ice;
using RtcScamp.Transport.WebRtc.Stun;

namespace RtcScamp.Transport.WebRtc.Udp;

/// <summary>Receives a non-STUN datagram (DTLS, TURN channel) routed to an agent's connection.</summary>
public delegate void UdpDatagramHandler(IceAgent agent, IPEndPoint remote, ReadOnlySpan<byte> datagram);

/// <summary>
/// Binds many sans-IO <see cref="IceAgent"/>s to one UDP socket, a monotonic clock and two loops
/// (no thread per connection): a receive loop (<c>ReceiveFromAsync</c>) that demultiplexes each
/// datagram (<see cref="UdpDemultiplexer{TTarget}"/>) and feeds the agent, and a timer loop that calls
/// <see cref="IceAgent.HandleTimeout"/> when due. Every agent call happens under one lock, so agents
/// stay single-owner; after each call the driver drains PollTransmit (sent with SendTo) and PollEvent
/// (published on <see cref="Events"/>).
/// </summary>
/// <remarks>
/// STUN responses carry no USERNAME: they go to the agent bound to the sender's address and, if it
/// does not know the transaction, to each other agent in turn (several agents may talk to one peer
/// socket, and all share the STUN server). Addresses are bound when an agent sends to them or accepts
/// an authenticated check from them. Time is milliseconds since the driver started.
/// </remarks>
public sealed class UdpIceDriver : IAsyncDisposable
{
    private readonly DatagramSocket _socket;
    private readonly Lock _gate = new();
    private readonly List<IceAgent> _agents = [];
    private readonly UdpDemultiplexer<IceAgent> _demux = new();
    private readonly Channel<(IceAgent Agent, IceEvent Event)> _events = Channel.CreateUnbounded<(IceAgent, IceEvent)>();
    private readonly byte[] _sendBuffer = new byte[StunProtocol.MaxMessageSize];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly long _start = Stopwatch.GetTimestamp();
    private Task? _receiveLoop;
    private Task? _timerLoop;

    /// <summary>Binds a UDP socket to <paramref name="bind"/> (port 0 picks one).</summary>
    public UdpIceDriver(IPEndPoint bind)
    {
        ArgumentNullException.ThrowIfNull(bind);
        _socket = new DatagramSocket(bind);
        LocalEndPoint = _socket.LocalEndPoint;
    }

    /// <summary>The bound address: use it as the agents' host candidate.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Events of every agent, in order per agent.</summary>
    public ChannelReader<(IceAgent Agent, IceEvent Event)> Events => _events.Reader;

    /// <summary>Non-STUN datagrams routed to an agent (for the DTLS layer above). Called on the receive loop.</summary>
    public UdpDatagramHandler? DatagramReceived { get; set; }

    /// <summary>Datagrams dropped by the demultiplexer (no target, RTP, malformed).</summary>
    public long DroppedCount { get; private set; }

    /// <summary>Milliseconds since the driver started: the clock the agents see.</summary>
    public long Now => (long)Stopwatch.GetElapsedTime(_start).TotalMilliseconds;

    /// <summary>Adds an agent (its ufrag becomes routable) and starts the loops on first use.</summary>
    public void Add(IceAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        lock (_gate)
        {
            _agents.Add(agent);
            _demux.RegisterUfrag(agent.LocalCredentials.Ufrag, agent);
            Flush(agent);
        }

        _receiveLoop ??= Task.Run(ReceiveLoopAsync);
        _timerLoop ??= Task.Run(TimerLoopAsync);
        _wake.Release();
    }

    /// <summary>Runs <paramref name="command"/> on an agent under the driver's lock, then flushes its outputs.</summary>
    public T Invoke<T>(IceAgent agent, Func<IceAgent, T> command)
    {
        ArgumentNullException.ThrowIfNull(command);
        T result;
        lock (_gate)
        {
            result = command(agent);
            Flush(agent);
        }

        _wake.Release();
        return result;
    }

    /// <summary>Stops the loops and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        _wake.Release();
        foreach (Task? loop in new[] { _receiveLoop, _timerLoop })
        {
            if (loop is not null)
            {
                try
                {
                    await loop.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Expected on shutdown.
                }
            }
        }

        _events.Writer.TryComplete();
        _stop.Dispose();
        _wake.Dispose();
    }

    private Task ReceiveLoopAsync() => _socket.ReceiveLoopAsync(Receive, _stop.Token);

    private void Receive(IPEndPoint remote, ReadOnlySpan<byte> datagram)
    {
        lock (_gate)
        {
            Dispatch(remote, datagram);
        }

        _wake.Release();
    }

    private void Dispatch(IPEndPoint remote, ReadOnlySpan<byte> datagram)
    {
        DemuxResult result = _demux.Route(datagram, remote, out IceAgent? agent);
        long now = Now;
        switch (result)
        {
            case DemuxResult.Stun:
                IceReceiveResult received = agent!.HandleReceive(remote, LocalEndPoint, datagram, now);
                if (received == IceReceiveResult.UnknownTransaction && !OfferToOthers(agent, remote, datagram, now))
                {
                    DroppedCount++;
                }
                else if (received == IceReceiveResult.Consumed)
                {
                    _demux.BindRemote(remote, agent);
                }

                Flush(agent);
                break;
            case DemuxResult.NoTarget when DatagramClassifier.Classify(datagram) == DatagramClass.Stun:
                if (!OfferToOthers(null, remote, datagram, now))
                {
                    DroppedCount++;
                }

                break;
            case DemuxResult.Dtls:
            case DemuxResult.TurnChannel:
                DatagramReceived?.Invoke(agent!, remote, datagram);
                break;
            default:
                DroppedCount++;
                break;
        }
    }

    private bool OfferToOthers(IceAgent? skip, IPEndPoint remote, ReadOnlySpan<byte> datagram, long now)
    {
        foreach (IceAgent other in _agents)
        {
            if (other == skip)
            {
                continue;
            }

            IceReceiveResult r = other.HandleReceive(remote, LocalEndPoint, datagram, now);
            if (r != IceReceiveResult.UnknownTransaction)
            {
                Flush(other);
                return r == IceReceiveResult.Consumed;
            }
        }

        return false;
    }

    private async Task TimerLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            long next = long.MaxValue;
            lock (_gate)
            {
                long now = Now;
                foreach (IceAgent agent in _agents)
                {
                    if (agent.PollTimeout() <= now)
                    {
                        agent.HandleTimeout(now);
                        Flush(agent);
                    }

                    next = Math.Min(next, agent.PollTimeout());
                }

                next = next == long.MaxValue ? -1 : Math.Max(0, next - now);
            }

            try
            {
                await _wake.WaitAsync(next == -1 ? Timeout.Infinite : (int)Math.Min(next, int.MaxValue), _stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Flush(IceAgent agent)
    {
        int n;
        while ((n = agent.PollTransmit(_sendBuffer, out IPEndPoint? destination)) > 0)
        {
            _demux.BindRemote(destination!, agent);
            _socket.Send(_sendBuffer.AsSpan(0, n), destination!);
        }

        while (agent.PollEvent(out IceEvent e))
        {
            _events.Writer.TryWrite((agent, e));
        }
    }
}
