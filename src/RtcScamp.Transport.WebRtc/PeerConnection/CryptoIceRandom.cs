using System.Security.Cryptography;
using RtcScamp.Transport.WebRtc.Ice;

namespace RtcScamp.Transport.WebRtc;

/// <summary>
/// <see cref="IIceRandom"/> from the OS CSPRNG: what production connections use, since ICE credentials,
/// the tie-breaker and STUN transaction ids must be unpredictable (RFC 8445 §5.3, RFC 8489 §6).
/// </summary>
public sealed class CryptoIceRandom : IIceRandom
{
    /// <summary>The shared instance (stateless, thread-safe).</summary>
    public static CryptoIceRandom Shared { get; } = new();

    /// <inheritdoc/>
    public ulong NextUInt64()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt64(bytes);
    }
}
