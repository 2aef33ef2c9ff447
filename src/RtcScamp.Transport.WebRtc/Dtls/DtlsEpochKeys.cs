using System.Security.Cryptography;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;

namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// The epoch-1 traffic keys of a finished DTLS 1.2 handshake, derived the way RFC 5246 §6.3 does from
/// what BouncyCastle negotiated, so that <see cref="DtlsRecordLayer"/> can protect application data
/// itself. Only the AEAD suites of <see cref="DtlsCipherSuites.Preferred"/> are covered.
/// <code>
///   key_block = PRF(master_secret, "key expansion", server_random + client_random)   (RFC 5246 §6.3)
///
///   ┌──────────────────┬──────────────────┬────────────────┬────────────────┐
///   │ client_write_key │ server_write_key │ client_write_IV│ server_write_IV│   (AEAD: no MAC keys)
///   └──────────────────┴──────────────────┴────────────────┴────────────────┘
///     AES-128-GCM: 16 + 16 + 4 + 4  (RFC 5288 §3: the IV is the 4-byte implicit salt)
///     AES-256-GCM: 32 + 32 + 4 + 4
///     ChaCha20-Poly1305: 32 + 32 + 12 + 12  (RFC 7905 §2: the IV is XORed with the sequence number)
/// </code>
/// The PRF runs inside BouncyCastle (<c>TlsSecret.DeriveUsingPrf</c> with the negotiated PRF hash), on
/// the master secret while it is still alive: in <c>NotifyHandshakeComplete</c>, before the protocol
/// clears its security parameters. The master secret itself never leaves BouncyCastle.
/// </summary>
internal sealed class DtlsEpochKeys
{
    private DtlsEpochKeys(DtlsAead aead, byte[] clientKey, byte[] serverKey, byte[] clientIv, byte[] serverIv)
    {
        Aead = aead;
        ClientWriteKey = clientKey;
        ServerWriteKey = serverKey;
        ClientWriteIv = clientIv;
        ServerWriteIv = serverIv;
    }

    public DtlsAead Aead { get; }

    public byte[] ClientWriteKey { get; }

    public byte[] ServerWriteKey { get; }

    public byte[] ClientWriteIv { get; }

    public byte[] ServerWriteIv { get; }

    /// <summary>The AEAD of a cipher suite number, or <see cref="DtlsAead.None"/> if this record layer does not implement it.</summary>
    public static DtlsAead AeadOf(int cipherSuite) => cipherSuite switch
    {
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => DtlsAead.Aes128Gcm,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 => DtlsAead.Aes256Gcm,
        CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 when ChaCha20Poly1305.IsSupported => DtlsAead.ChaCha20Poly1305,
        _ => DtlsAead.None,
    };

    /// <summary>
    /// Derives the keys of <paramref name="context"/>'s just-completed handshake; null if the suite is not
    /// one this record layer implements or the master secret is gone (the caller keeps BouncyCastle's
    /// record layer then).
    /// </summary>
    public static DtlsEpochKeys? TryDerive(TlsContext context)
    {
        SecurityParameters parameters = context.SecurityParameters;
        DtlsAead aead = AeadOf(parameters.CipherSuite);
        TlsSecret? master = parameters.MasterSecret;
        if (aead == DtlsAead.None || master is null || !master.IsAlive()
            || parameters.ServerRandom is not { Length: 32 } serverRandom || parameters.ClientRandom is not { Length: 32 } clientRandom)
        {
            return null;
        }

        int keyLength = aead == DtlsAead.Aes128Gcm ? 16 : 32;
        int ivLength = aead == DtlsAead.ChaCha20Poly1305 ? 12 : 4;
        byte[] seed = [.. serverRandom, .. clientRandom];
        byte[] block = master.DeriveUsingPrf(parameters.PrfAlgorithm, ExporterLabel.key_expansion, seed, 2 * (keyLength + ivLength)).Extract();
        try
        {
            var span = block.AsSpan();
            return new DtlsEpochKeys(
                aead,
                span[..keyLength].ToArray(),
                span.Slice(keyLength, keyLength).ToArray(),
                span.Slice(2 * keyLength, ivLength).ToArray(),
                span.Slice((2 * keyLength) + ivLength, ivLength).ToArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(block);
        }
    }

    /// <summary>Overwrites the key material once the ciphers hold it.</summary>
    public void Clear()
    {
        CryptographicOperations.ZeroMemory(ClientWriteKey);
        CryptographicOperations.ZeroMemory(ServerWriteKey);
        CryptographicOperations.ZeroMemory(ClientWriteIv);
        CryptographicOperations.ZeroMemory(ServerWriteIv);
    }
}

/// <summary>The AEAD protecting epoch-1 records.</summary>
internal enum DtlsAead
{
    /// <summary>Not implemented here: BouncyCastle's record layer stays in charge.</summary>
    None,

    /// <summary>AES-128-GCM, RFC 5288 nonce (4-byte salt + 8-byte explicit nonce in the record).</summary>
    Aes128Gcm,

    /// <summary>AES-256-GCM, as <see cref="Aes128Gcm"/>.</summary>
    Aes256Gcm,

    /// <summary>ChaCha20-Poly1305, RFC 7905 nonce (12-byte IV XOR sequence number, nothing explicit).</summary>
    ChaCha20Poly1305,
}
