using Org.BouncyCastle.Tls;

namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// What a finished handshake agreed on, as the client or server peer records it in
/// <c>NotifyHandshakeComplete</c>: the cipher suite (a <see cref="Org.BouncyCastle.Tls.CipherSuite"/>
/// value, -1 before completion) and whether RFC 7627 extended master secret was used.
/// </summary>
internal readonly record struct DtlsNegotiated(int CipherSuite, bool ExtendedMasterSecret)
{
    /// <summary>Before the handshake completes.</summary>
    public static DtlsNegotiated None { get; } = new(-1, false);

    /// <summary>The parameters of <paramref name="context"/>'s completed handshake.</summary>
    public static DtlsNegotiated Of(TlsContext context) =>
        new(context.SecurityParameters.CipherSuite, context.SecurityParameters.IsExtendedMasterSecret);
}
