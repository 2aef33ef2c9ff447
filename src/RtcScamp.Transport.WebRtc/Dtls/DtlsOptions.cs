namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>Limits and timers of a <see cref="DtlsEndpoint"/>. Defaults say where they come from.</summary>
public sealed class DtlsOptions
{
    /// <summary>Shared defaults.</summary>
    public static DtlsOptions Default { get; } = new();

    /// <summary>Overall handshake deadline; then the endpoint fails with <see cref="DtlsFailureReason.HandshakeTimeout"/>. Default 30 s (guess: covers 5 doublings of the 1 s retransmit timer).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><see cref="HandshakeTimeout"/> in whole milliseconds, as BouncyCastle takes it.</summary>
    internal int HandshakeTimeoutMillis => (int)HandshakeTimeout.TotalMilliseconds;

    /// <summary>Initial handshake retransmission timeout, doubled on each loss. Default 1 s (RFC 6347 §4.2.4.1).</summary>
    public TimeSpan InitialRetransmitTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary><see cref="InitialRetransmitTimeout"/> in whole milliseconds, as BouncyCastle takes it.</summary>
    internal int InitialRetransmitTimeoutMillis => (int)InitialRetransmitTimeout.TotalMilliseconds;

    /// <summary>Largest datagram this side sends. Default 1200 bytes (the size Chromium and RFC 8831 §5 assume fits the path MTU).</summary>
    public int MaxSendDatagramSize { get; init; } = 1200;

    /// <summary>Largest datagram accepted; larger ones are dropped and counted. Default 1500 (Ethernet MTU).</summary>
    public int MaxReceiveDatagramSize { get; init; } = 1500;

    /// <summary>Datagrams buffered for the handshake thread; more are dropped and counted. Default 32 (guess: a few flights).</summary>
    public int HandshakeQueueCapacity { get; init; } = 32;

    /// <summary>Outgoing datagrams buffered until polled; more are dropped and counted. Default 64 (guess).</summary>
    public int OutgoingQueueCapacity { get; init; } = 64;

    /// <summary>Decrypted application messages buffered until read; more are dropped and counted. Default 64 (guess).</summary>
    public int ReceivedQueueCapacity { get; init; } = 64;

    /// <summary>Tests: offer (client) or accept (server) only these suites, in this order; null = <see cref="DtlsCipherSuites.Preferred"/>.</summary>
    internal int[]? OfferedCipherSuites { get; init; }

    /// <summary>Tests: keep BouncyCastle's record layer after the handshake instead of <see cref="DtlsRecordLayer"/>.</summary>
    internal bool BouncyCastleRecordLayer { get; init; }

    internal void Validate()
    {
        if (HandshakeTimeout <= TimeSpan.Zero || HandshakeTimeout.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout));
        }

        if (InitialRetransmitTimeout <= TimeSpan.Zero || InitialRetransmitTimeout > HandshakeTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialRetransmitTimeout));
        }

        if (MaxSendDatagramSize is < 256 or > 65507)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSendDatagramSize));
        }

        if (MaxReceiveDatagramSize is < 256 or > 65507)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReceiveDatagramSize));
        }

        if (HandshakeQueueCapacity < 1 || OutgoingQueueCapacity < 1 || ReceivedQueueCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(HandshakeQueueCapacity), "Queue capacities must be at least 1.");
        }
    }
}
