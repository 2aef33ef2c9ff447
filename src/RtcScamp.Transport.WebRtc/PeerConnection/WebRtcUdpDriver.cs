using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using RtcScamp.Transport.WebRtc.Ice;
using RtcScamp.Transport.WebRtc.Identity;
using RtcScamp.Transport.WebRtc.Stun;
using RtcScamp.Transport.WebRtc.Udp;

namespace RtcScamp.Transport.WebRtc;

/// <summary>
/// One UDP socket carrying many <see cref="PeerConnection"/>s (RFC 7983 demultiplexing, no thread
/// per connection). Two loops, each on its own thread per socket, run every connection: a receive
/// loop (blocking recvfrom) and a timer loop.
/// <code>
///   socket ─▶ receive loop ─▶ DatagramClassifier (first byte)
///              STUN with USERNAME ─▶ connection registered for the local ufrag (before USERNAME's ':')
///              STUN response      ─▶ connection bound to the sender's address (else: whoever knows the transaction)
///              DTLS (20..63)      ─▶ connection bound to the sender's address ─▶ DtlsEndpoint
///              anything else      ─▶ dropped, counted
///   timer loop: sleeps until the soonest IceAgent.PollTimeout, or until a DTLS handshake thread
///               signals output; then HandleTimeout / drains that connection's outputs.
/// </code>
/// An address is bound to a connection when its agent sends a check there or accepts an
/// authenticated check from it, so DTLS is only accepted from addresses ICE has authenticated.
/// Every connection call runs under one lock; after each, the driver drains the agent
/// (PollTransmit → SendTo, PollEvent → connection) and the DTLS endpoint (datagrams → the selected
/// pair's remote address, events, decrypted application data → <see cref="PeerConnection.ApplicationDataReceived"/>).
/// </summary>
/// <remarks>
/// Limit: DTLS is routed by the remote transport address, so two connections of this driver must not
/// talk to the same remote socket (the 5-tuple would be shared and DTLS records could not be told
/// apart; STUN still could, by ufrag and transaction id). Connections to distinct peers — the normal
/// case — share the socket freely. Two connections of this same driver may connect to each other:
/// their DTLS records are handed over in-process (see <c>DeliverToSelf</c>).
/// </remarks>
public sealed class WebRtcUdpDriver : IAsyncDisposable
{
    private const int DatagramBufferSize = 2048;
    private const int SocketBufferSize = 4 * 1024 * 1024;

    private readonly DatagramSocket _socket;
    private readonly List<PeerConnection> _connections = [];
    private readonly List<PeerConnection> _added = [];
    private readonly List<PeerConnection> _retired = [];
    private readonly UdpDemultiplexer<PeerConnection> _demux = new();
    private readonly ConcurrentQueue<PeerConnection> _signaled = new();
    private readonly Queue<(PeerConnection Sender, byte[] Datagram)> _toSelf = new();
    private readonly byte[] _stunBuffer = new byte[StunProtocol.MaxMessageSize];
    private readonly byte[] _dtlsBuffer = new byte[DatagramBufferSize];
    private readonly byte[] _plaintextBuffer = new byte[DatagramBufferSize];
    private readonly TimerWake _wake = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly long _start = Stopwatch.GetTimestamp();
    private Task? _receiveLoop;
    private Task? _timerLoop;
    private int _iterating;
    private long _timerDeadline = long.MaxValue;
    private bool _deliveringToSelf;
    private bool _disposed;

    /// <summary>
    /// Binds a UDP socket to <paramref name="bind"/> (port 0 picks one). The address becomes every
    /// connection's host candidate, so it must be a specific interface address, not a wildcard.
    /// </summary>
    /// <exception cref="ArgumentException">The address is 0.0.0.0 or ::.</exception>
    public WebRtcUdpDriver(IPEndPoint bind)
    {
        ArgumentNullException.ThrowIfNull(bind);
        if (bind.Address.Equals(IPAddress.Any) || bind.Address.Equals(IPAddress.IPv6Any))
        {
            throw new ArgumentException("Bind a specific interface address: it is signaled as the host candidate.", nameof(bind));
        }

        // Many connections' SCTP windows (up to 4 MiB in flight each) arrive at this one socket: a
        // kernel buffer of the default ~208 KiB overflows in bursts and every drop costs SCTP a cwnd
        // halving. The kernel caps the request at net.core.rmem_max / wmem_max.
        _socket = new DatagramSocket(bind, SocketBufferSize);
        LocalEndPoint = _socket.LocalEndPoint;
    }

    /// <summary>The bound address: every connection's host candidate.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Live connections (created and not yet Failed or Closed).</summary>
    public int ConnectionCount
    {
        get
        {
            lock (Gate)
            {
                Sweep();
                return _connections.Count;
            }
        }
    }

    /// <summary>Datagrams dropped: no connection for them, RTP/unknown classes, malformed STUN, no DTLS destination.</summary>
    public long DroppedCount { get; private set; }

    /// <summary>Milliseconds since the driver started: the clock the ICE agents see.</summary>
    public long Now => (long)Stopwatch.GetElapsedTime(_start).TotalMilliseconds;

    internal Lock Gate { get; } = new();

    /// <summary>One SCTP packet being handed from an association to DTLS (used under <see cref="Gate"/>).</summary>
    internal byte[] SctpTransmitBuffer { get; } = new byte[DatagramBufferSize];

    /// <summary>One data-channel message being delivered to a handler (used under <see cref="Gate"/>).</summary>
    internal byte[] MessageBuffer { get; } = new byte[PeerConnection.LocalMaxMessageSize];

    /// <summary>
    /// A new connection on this socket, authenticated by <paramref name="identity"/> (its certificate's
    /// fingerprint goes into the signaling string). Call <see cref="PeerConnection.CreateOffer"/> or
    /// <see cref="PeerConnection.TryAcceptOffer"/> next.
    /// </summary>
    public PeerConnection CreatePeerConnection(NodeIdentity identity, PeerConnectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new PeerConnection(this, identity, options ?? new PeerConnectionOptions());
    }

    /// <summary>Closes every connection, stops the loops and closes the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        PeerConnection[] open;
        lock (Gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Sweep();
            open = [.. _connections];
        }

        foreach (PeerConnection connection in open)
        {
            connection.Close();
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        _wake.Release();
        foreach (Task? loop in new[] { _receiveLoop, _timerLoop })
        {
            if (loop is not null)
            {
                await loop.ConfigureAwait(false);
            }
        }

        _stop.Dispose();
    }

    // ---- called by PeerConnection under Gate ----

    internal void Register(PeerConnection connection)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _added.Add(connection);
        _demux.RegisterUfrag(connection.LocalUfrag, connection);
        _receiveLoop ??= StartLoopThread(() => _socket.ReceiveLoop(Receive, _stop.Token), "webrtc-udp-receive");
        _timerLoop ??= StartLoopThread(TimerLoop, "webrtc-udp-timers");
        Flush(connection);
        _wake.Release();
    }

    /// <summary>Removes a terminal connection once the current loop pass is over.</summary>
    internal void Retire(PeerConnection connection) => _retired.Add(connection);

    internal void CountDropped() => DroppedCount++;

    /// <summary>From a DTLS handshake thread: output is waiting; the timer loop drains it.</summary>
    internal void Signal(PeerConnection connection)
    {
        _signaled.Enqueue(connection);
        _wake.Release();
    }

    /// <summary>Drains everything the connection's ICE agent and DTLS endpoint produced, until quiet.</summary>
    internal void Flush(PeerConnection connection)
    {
        bool progress = true;
        while (progress)
        {
            progress = FlushIce(connection);
            progress |= FlushDtls(connection);
        }

        DeliverToSelf();
        Sweep();
        WakeTimerIfSooner(connection);
    }

    // The timer loop sleeps until _timerDeadline; wake it only when a connection now needs it sooner
    // (not on every datagram: the data path would otherwise cost a timer pass over all connections).
    internal void WakeTimerIfSooner(PeerConnection connection)
    {
        long due = connection.PollTimeout();
        if (due < _timerDeadline)
        {
            _timerDeadline = due;
            _wake.Release();
        }
    }

    // Two connections of this driver connected to each other share one 5-tuple (this socket to
    // itself), so a DTLS record sent through the socket could not be attributed to either. Their DTLS
    // records are handed over in-process instead, to the connection paired with the sender by ICE
    // credentials (its remote ufrag is the sender's local ufrag); STUN still goes through the socket.
    internal void DeliverToSelf()
    {
        if (_deliveringToSelf)
        {
            return; // the outer call drains what this one queued
        }

        _deliveringToSelf = true;
        try
        {
            while (_toSelf.TryDequeue(out (PeerConnection Sender, byte[] Datagram) item))
            {
                PeerConnection? target = LocalPeerOf(item.Sender);
                if (target is null)
                {
                    DroppedCount++;
                    continue;
                }

                target.HandleDtls(LocalEndPoint, item.Datagram);
                bool progress = true;
                while (progress)
                {
                    progress = FlushIce(target);
                    progress |= FlushDtls(target);
                }
            }
        }
        finally
        {
            _deliveringToSelf = false;
        }
    }

    private PeerConnection? LocalPeerOf(PeerConnection sender)
    {
        foreach (List<PeerConnection> list in (ReadOnlySpan<List<PeerConnection>>)[_connections, _added])
        {
            foreach (PeerConnection candidate in list)
            {
                if (candidate != sender && candidate.Agent?.RemoteCredentials is { } remote
                    && string.Equals(remote.Ufrag, sender.LocalUfrag, StringComparison.Ordinal)
                    && sender.Agent?.RemoteCredentials is { } back
                    && string.Equals(back.Ufrag, candidate.LocalUfrag, StringComparison.Ordinal))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    internal bool FlushDtls(PeerConnection connection)
    {
        Dtls.DtlsEndpoint? dtls = connection.DtlsLayer;
        if (dtls is null)
        {
            return false;
        }

        bool any = SendDtlsDatagrams(connection);
        while (dtls.TryPollEvent(out Dtls.DtlsEvent e))
        {
            any = true;
            connection.OnDtlsEvent(e);
        }

        while (dtls.TryReceive(_plaintextBuffer, out int n))
        {
            any = true;
            connection.DeliverApplicationData(_plaintextBuffer.AsSpan(0, n));
        }

        return any;
    }

    /// <summary>Sends the DTLS records the connection's endpoint has queued (nothing else is drained).</summary>
    internal bool SendDtlsDatagrams(PeerConnection connection)
    {
        Dtls.DtlsEndpoint dtls = connection.DtlsLayer!;
        bool any = false;
        while (dtls.TryPollDatagram(_dtlsBuffer, out int n))
        {
            any = true;
            if (connection.DtlsRemote is { } remote)
            {
                if (remote.Equals(LocalEndPoint))
                {
                    _toSelf.Enqueue((connection, _dtlsBuffer.AsSpan(0, n).ToArray()));
                }
                else
                {
                    _socket.Send(_dtlsBuffer.AsSpan(0, n), connection.DtlsRemoteAddress!);
                }
            }
            else
            {
                DroppedCount++;
            }
        }

        return any;
    }

    private bool FlushIce(PeerConnection connection)
    {
        IceAgent? agent = connection.Agent;
        if (agent is null)
        {
            return false;
        }

        bool any = false;
        int n;
        while ((n = agent.PollTransmit(_stunBuffer, out IPEndPoint? destination)) > 0)
        {
            any = true;
            _demux.BindRemote(destination!, connection);
            _socket.Send(_stunBuffer.AsSpan(0, n), destination!);
        }

        while (agent.PollEvent(out IceEvent e))
        {
            any = true;
            connection.OnIceEvent(e);
        }

        return any;
    }

    // The connection list changes only here, never while a loop walks it (handlers raised during a
    // walk may create or close connections).
    private void Sweep()
    {
        if (_iterating > 0)
        {
            return;
        }

        _connections.AddRange(_added);
        _added.Clear();
        foreach (PeerConnection connection in _retired)
        {
            _connections.Remove(connection);
            _demux.Remove(connection);
        }

        _retired.Clear();
    }

    // Two threads per socket (not per connection): the receive loop blocks in recvfrom, so a datagram
    // wakes it directly; the timer loop sleeps on a monitor, so waking it allocates nothing. The task
    // completes when the thread ends (DisposeAsync awaits it), faulted if a handler threw.
    private static Task StartLoopThread(Action loop, string name)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                loop();
                done.TrySetResult();
            }
            catch (Exception e)
            {
                // An application handler threw on this loop. As with the former thread-pool loops, the
                // loop ends and DisposeAsync rethrows it; it must not take the process down.
                done.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    private void Receive(IPEndPoint remote, ReadOnlySpan<byte> datagram)
    {
        lock (Gate)
        {
            Dispatch(remote, datagram);
            DeliverToSelf();
            Sweep();
        }
    }

    private void Dispatch(IPEndPoint remote, ReadOnlySpan<byte> datagram)
    {
        DemuxResult result = _demux.Route(datagram, remote, out PeerConnection? connection);
        long now = Now;
        switch (result)
        {
            case DemuxResult.Stun:
                IceReceiveResult received = connection!.Agent!.HandleReceive(remote, LocalEndPoint, datagram, now);
                if (received == IceReceiveResult.UnknownTransaction && !OfferToOthers(connection, remote, datagram, now))
                {
                    DroppedCount++;
                }
                else if (received == IceReceiveResult.Consumed)
                {
                    _demux.BindRemote(remote, connection);
                }

                Flush(connection);
                break;
            case DemuxResult.NoTarget when DatagramClassifier.Classify(datagram) == DatagramClass.Stun:
                if (!OfferToOthers(null, remote, datagram, now))
                {
                    DroppedCount++;
                }

                break;
            case DemuxResult.Dtls:
                connection!.HandleDtls(remote, datagram);
                Flush(connection);
                break;
            default:
                DroppedCount++;
                break;
        }
    }

    // A STUN response whose sender is bound to another connection (or to none) belongs to whichever
    // agent knows its transaction id.
    private bool OfferToOthers(PeerConnection? skip, IPEndPoint remote, ReadOnlySpan<byte> datagram, long now)
    {
        PeerConnection? taker = null;
        IceReceiveResult r = IceReceiveResult.UnknownTransaction;
        _iterating++;
        try
        {
            foreach (PeerConnection other in _connections)
            {
                if (other != skip && other.Agent is not null
                    && (r = other.Agent.HandleReceive(remote, LocalEndPoint, datagram, now)) != IceReceiveResult.UnknownTransaction)
                {
                    taker = other;
                    break;
                }
            }
        }
        finally
        {
            _iterating--;
        }

        if (taker is null)
        {
            return false;
        }

        Flush(taker);
        return r == IceReceiveResult.Consumed;
    }

    private void TimerLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            long wait;
            lock (Gate)
            {
                while (_signaled.TryDequeue(out PeerConnection? signaled))
                {
                    Flush(signaled);
                }

                Sweep();
                long now = Now;
                long next = long.MaxValue;
                _iterating++;
                try
                {
                    foreach (PeerConnection connection in _connections)
                    {
                        if (connection.PollTimeout() <= now)
                        {
                            connection.HandleTimeout(now); // ICE and SCTP timers
                            bool progress = true;
                            while (progress)
                            {
                                progress = FlushIce(connection);
                                progress |= FlushDtls(connection);
                            }
                        }

                        next = Math.Min(next, connection.PollTimeout());
                    }
                }
                finally
                {
                    _iterating--;
                }

                DeliverToSelf();
                Sweep();
                _timerDeadline = next;
                wait = next == long.MaxValue ? Timeout.Infinite : Math.Clamp(next - now, 0, int.MaxValue);
            }

            _wake.Wait((int)wait);
        }
    }

    /// <summary>
    /// Wakes the timer loop: a <see cref="Release"/> while it sleeps ends the sleep; one while it works is
    /// remembered, so the next <see cref="Wait"/> returns at once. A monitor, not SemaphoreSlim.WaitAsync
    /// with a timeout (which allocates a task and a timer per wait): the data path wakes this loop
    /// whenever a connection's next timer moves earlier.
    /// </summary>
    private sealed class TimerWake
    {
        private readonly object _gate = new();
        private bool _requested;

        public void Release()
        {
            lock (_gate)
            {
                _requested = true;
                Monitor.Pulse(_gate);
            }
        }

        public void Wait(int milliseconds)
        {
            lock (_gate)
            {
                if (!_requested && milliseconds != 0)
                {
                    Monitor.Wait(_gate, milliseconds);
                }

                _requested = false;
            }
        }
    }
}
