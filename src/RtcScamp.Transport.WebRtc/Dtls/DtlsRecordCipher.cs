using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// One direction of epoch-1 record protection: an AEAD key and its IV, sealing and opening the
/// fragment of a DTLSCiphertext (RFC 6347 §4.1, RFC 5246 §6.2.3.3) with
/// <see cref="System.Security.Cryptography"/>'s span APIs: nothing is allocated per record.
/// <code>
///   AES-GCM (RFC 5288 §3):  nonce = salt[4] ‖ nonce_explicit[8]   fragment = nonce_explicit ‖ ciphertext ‖ tag[16]
///   ChaCha20 (RFC 7905 §2): nonce = IV[12] XOR (0[4] ‖ seq_num[8]) fragment = ciphertext ‖ tag[16]
///   additional data (RFC 5246 §6.2.3.3, DTLS seq_num = epoch[2] ‖ sequence_number[6]):
///     seq_num[8] ‖ type[1] ‖ version[2] ‖ plaintext length[2]
/// </code>
/// We write nonce_explicit = seq_num, as BouncyCastle, OpenSSL and BoringSSL do; it is unique because
/// sequence numbers never repeat under one key (<see cref="DtlsRecordLayer"/>). On receipt the explicit
/// nonce is taken from the record, whatever the sender chose. Not thread-safe; the endpoint locks.
/// </summary>
internal sealed class DtlsRecordCipher : IDisposable
{
    /// <summary>AEAD tag length of every supported suite.</summary>
    public const int TagLength = 16;

    private const int ExplicitNonceLengthGcm = 8;
    private const int NonceLength = 12;
    private const int AdditionalDataLength = 13;

    private readonly AesGcm? _gcm;
    private readonly ChaCha20Poly1305? _chacha;
    private readonly byte[] _iv;

    public DtlsRecordCipher(DtlsAead aead, byte[] key, byte[] iv)
    {
        switch (aead)
        {
            case DtlsAead.Aes128Gcm:
            case DtlsAead.Aes256Gcm:
                _gcm = new AesGcm(key, TagLength);
                break;
            case DtlsAead.ChaCha20Poly1305:
                _chacha = new ChaCha20Poly1305(key);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(aead));
        }

        _iv = (byte[])iv.Clone();
    }

    /// <summary>Bytes the fragment carries besides the plaintext: explicit nonce (GCM) and tag.</summary>
    public int Overhead => (_gcm is null ? 0 : ExplicitNonceLengthGcm) + TagLength;

    /// <summary>
    /// Protects <paramref name="plaintext"/> into <paramref name="fragment"/> (exactly
    /// <see cref="Overhead"/> + plaintext length bytes); <paramref name="seqNum"/> is epoch ‖ 48-bit
    /// sequence number, <paramref name="contentType"/> and <paramref name="version"/> are the header's.
    /// </summary>
    public void Seal(ulong seqNum, byte contentType, ushort version, ReadOnlySpan<byte> plaintext, Span<byte> fragment)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Span<byte> aad = stackalloc byte[AdditionalDataLength];
        WriteAdditionalData(aad, seqNum, contentType, version, plaintext.Length);
        if (_gcm is not null)
        {
            _iv.CopyTo(nonce);
            BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], seqNum);
            nonce[4..].CopyTo(fragment);
            Span<byte> body = fragment[ExplicitNonceLengthGcm..];
            _gcm.Encrypt(nonce, plaintext, body[..plaintext.Length], body.Slice(plaintext.Length, TagLength), aad);
        }
        else
        {
            ChaChaNonce(nonce, seqNum);
            _chacha!.Encrypt(nonce, plaintext, fragment[..plaintext.Length], fragment.Slice(plaintext.Length, TagLength), aad);
        }
    }

    /// <summary>
    /// Authenticates and decrypts a fragment into <paramref name="plaintext"/> (at least
    /// fragment length − <see cref="Overhead"/> bytes); false if it is too short or does not authenticate.
    /// </summary>
    public bool TryOpen(ulong seqNum, byte contentType, ushort version, ReadOnlySpan<byte> fragment, Span<byte> plaintext)
    {
        int length = fragment.Length - Overhead;
        if (length < 0 || plaintext.Length < length)
        {
            return false;
        }

        Span<byte> nonce = stackalloc byte[NonceLength];
        Span<byte> aad = stackalloc byte[AdditionalDataLength];
        WriteAdditionalData(aad, seqNum, contentType, version, length);
        try
        {
            if (_gcm is not null)
            {
                _iv.CopyTo(nonce);
                fragment[..ExplicitNonceLengthGcm].CopyTo(nonce[4..]);
                ReadOnlySpan<byte> body = fragment[ExplicitNonceLengthGcm..];
                _gcm.Decrypt(nonce, body[..length], body.Slice(length, TagLength), plaintext[..length], aad);
            }
            else
            {
                ChaChaNonce(nonce, seqNum);
                _chacha!.Decrypt(nonce, fragment[..length], fragment.Slice(length, TagLength), plaintext[..length], aad);
            }

            return true;
        }
        catch (CryptographicException)
        {
            // A forged or corrupted record (AuthenticationTagMismatchException). .NET has no
            // non-throwing AEAD open; this costs one exception per bad record from an
            // ICE-validated address (docs/webrtc-dtls.md).
            return false;
        }
    }

    public void Dispose()
    {
        _gcm?.Dispose();
        _chacha?.Dispose();
        CryptographicOperations.ZeroMemory(_iv);
    }

    private static void WriteAdditionalData(Span<byte> aad, ulong seqNum, byte contentType, ushort version, int length)
    {
        BinaryPrimitives.WriteUInt64BigEndian(aad, seqNum);
        aad[8] = contentType;
        BinaryPrimitives.WriteUInt16BigEndian(aad[9..], version);
        BinaryPrimitives.WriteUInt16BigEndian(aad[11..], (ushort)length);
    }

    private void ChaChaNonce(Span<byte> nonce, ulong seqNum)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], seqNum);
        for (int i = 0; i < NonceLength; i++)
        {
            nonce[i] ^= _iv[i];
        }
    }
}
