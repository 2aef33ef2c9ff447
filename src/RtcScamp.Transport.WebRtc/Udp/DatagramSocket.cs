using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace RtcScamp.Transport.WebRtc.Udp;

/// <summary>Receives one datagram from the receive loop; the span is valid only during the call.</summary>
internal delegate void DatagramReceiver(IPEndPoint remote, ReadOnlySpan<byte> datagram);

/// <summary>
/// The socket half that both UDP drivers (<see cref="WebRtcUdpDriver"/>, <see cref="UdpIceDriver"/>)
/// share: one bound UDP socket, a receive loop and best-effort sends.
/// <code>
///   ReceiveFromAsync(reused buffer, reused SocketAddress) ─▶ EndPointCache ─▶ receiver(remote, datagram)
///   transient errors (ICMP unreachable, full buffers) ─▶ skipped; cancel / dispose / other errors ─▶ loop ends
///   Send ─▶ SendTo; transient errors and a disposed socket drop the datagram (the layers above retransmit)
/// </code>
/// </summary>
internal sealed class DatagramSocket : IDisposable
{
    /// <summary>Receive buffer size: larger than any datagram the WebRTC layers send or accept.</summary>
    public const int ReceiveBufferSize = 2048;

    // Only a backstop: disposing the socket wakes a blocked recvfrom at once (tested). Each expiry costs
    // a SocketException on an idle socket, so it is not short.
    private const int StopCheckMilliseconds = 2000;

    private readonly Socket _socket;

    /// <summary>
    /// Binds a UDP socket to <paramref name="bind"/> (port 0 picks one). A positive
    /// <paramref name="kernelBufferSize"/> asks the kernel for send and receive buffers of that size.
    /// </summary>
    public DatagramSocket(IPEndPoint bind, int kernelBufferSize = 0)
    {
        _socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (kernelBufferSize > 0)
            {
                _socket.ReceiveBufferSize = kernelBufferSize;
                _socket.SendBufferSize = kernelBufferSize;
            }

            _socket.Bind(bind);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    /// <summary>The bound address.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// Receives until <paramref name="stop"/> is cancelled or the socket is disposed, calling
    /// <paramref name="receiver"/> for each datagram (on the loop's thread, one at a time).
    /// </summary>
    public async Task ReceiveLoopAsync(DatagramReceiver receiver, CancellationToken stop)
    {
        byte[] buffer = new byte[ReceiveBufferSize];
        var address = new SocketAddress(_socket.AddressFamily);
        var endPoints = new EndPointCache(_socket.AddressFamily);
        while (!stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, address, stop).ConfigureAwait(false);
            }
            catch (SocketException e) when (IsTransient(e.SocketErrorCode))
            {
                // ICMP port unreachable from an earlier send surfaces here on some platforms: not fatal.
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            receiver(endPoints.Get(address), buffer.AsSpan(0, n));
        }
    }

    /// <summary>
    /// Receives on the calling thread with blocking <c>recvfrom</c> until <paramref name="stop"/> is
    /// cancelled or the socket is disposed, calling <paramref name="receiver"/> for each datagram. Meant
    /// for a thread dedicated to this socket: a datagram wakes this thread directly, where the async loop
    /// needs the runtime's epoll thread to wake a pool thread (two hand-offs per idle-to-busy transition,
    /// each a run-queue wait on a loaded machine). The receive timeout bounds how long a stop takes to
    /// be noticed if closing the socket did not wake the call.
    /// </summary>
    public void ReceiveLoop(DatagramReceiver receiver, CancellationToken stop)
    {
        byte[] buffer = new byte[ReceiveBufferSize];
        var address = new SocketAddress(_socket.AddressFamily);
        var endPoints = new EndPointCache(_socket.AddressFamily);
        try
        {
            _socket.ReceiveTimeout = StopCheckMilliseconds;
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        while (!stop.IsCancellationRequested)
        {
            int n;
            try
            {
                n = _socket.ReceiveFrom(buffer, SocketFlags.None, address);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut || IsTransient(e.SocketErrorCode))
            {
                continue;
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                return;
            }

            receiver(endPoints.Get(address), buffer.AsSpan(0, n));
        }
    }

    /// <summary>Sends one datagram; a transient error or a disposed socket loses it silently.</summary>
    public void Send(ReadOnlySpan<byte> datagram, IPEndPoint destination)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, destination);
        }
        catch (SocketException e) when (IsTransient(e.SocketErrorCode))
        {
            // A lost datagram: STUN and DTLS retransmit, SCTP above recovers.
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    /// <summary>Sends one datagram to an already serialized address (no <see cref="IPEndPoint"/> serialization per send).</summary>
    public void Send(ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, destination);
        }
        catch (SocketException e) when (IsTransient(e.SocketErrorCode))
        {
            // A lost datagram: DTLS retransmits its handshake, SCTP above recovers data.
        }
        catch (ObjectDisposedException)
        {
            // Shutting down.
        }
    }

    /// <summary>Closes the socket; a pending receive ends the loop.</summary>
    public void Dispose() => _socket.Dispose();

    [SuppressMessage("Style", "IDE0072:Add missing cases", Justification = "Only these codes are transient for UDP.")]
    private static bool IsTransient(SocketError error) => error switch
    {
        SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.HostUnreachable
            or SocketError.NetworkUnreachable or SocketError.MessageSize or SocketError.NoBufferSpaceAvailable
            or SocketError.WouldBlock => true,
        _ => false,
    };
}
