using System.Buffers.Binary;

namespace RtcScamp.Transport.WebRtc.Dtls;

/// <summary>
/// Our own DTLS 1.2 record layer for epoch 1 (RFC 6347 §4.1), taking over application data from
/// BouncyCastle once its handshake is done: keys from <see cref="DtlsEpochKeys"/>, AEAD from
/// <see cref="DtlsRecordCipher"/>, the write sequence counter and the receive replay window
/// (<see cref="DtlsReplayWindow"/>). No allocation per record.
/// <para>
/// <b>Sequence numbers.</b> The first record we write uses the number after the highest epoch-1
/// number BouncyCastle wrote (its Finished; the endpoint reads them off the wire as BouncyCastle sends
/// them), and the counter only grows, so no number — hence no AEAD nonce — repeats under the write key.
/// BouncyCastle may still write epoch-1 records after the takeover (a retransmitted final flight, an
/// alert); <see cref="Resequence"/> re-protects each under the next number of ours before it leaves,
/// so its own counter, which restarts below ours, never reaches the wire. The counter stops at
/// 2^48 − 1 (§4.1: the sequence number must not wrap; renegotiation is not supported, so the
/// association then ends).
/// </para>
/// <code>
///   DTLSCiphertext (RFC 6347 §4.1)
///   0        1        3        5                 11       13
///   +--------+--------+--------+--------+-- .. --+--------+--------------------------+
///   | type   | version| epoch  | sequence_number | length | fragment (length bytes)  |
///   +--------+--------+--------+--------+-- .. --+--------+--------------------------+
///    23 data  FE FD    00 01    48-bit, big-endian          see DtlsRecordCipher
///    21 alert
/// </code>
/// Not thread-safe; the endpoint locks.
/// </summary>
internal sealed class DtlsRecordLayer : IDisposable
{
    /// <summary>DTLS record header length (no connection id).</summary>
    public const int HeaderLength = 13;

    /// <summary>DTLS 1.2 on the wire (RFC 6347 §4.1: {254, 253}).</summary>
    public const ushort Dtls12 = 0xFEFD;

    /// <summary>The epoch after the first handshake.</summary>
    public const ushort Epoch = 1;

    public const byte ChangeCipherSpec = 20;
    public const byte Alert = 21;
    public const byte Handshake = 22;
    public const byte ApplicationData = 23;

    private const ulong MaxSequence = (1UL << 48) - 1;
    private const byte FinishedMessage = 20;

    private readonly DtlsRecordCipher _writer;
    private readonly DtlsRecordCipher _reader;
    private ulong _nextSequence;
    private DtlsReplayWindow _window;

    /// <param name="keys">The handshake's epoch-1 keys (the caller clears them afterwards).</param>
    /// <param name="isClient">This side's role: the client writes with the client key.</param>
    /// <param name="firstSequence">The first epoch-1 sequence number to write (after BouncyCastle's).</param>
    public DtlsRecordLayer(DtlsEpochKeys keys, bool isClient, ulong firstSequence)
    {
        Aead = keys.Aead;
        _writer = new DtlsRecordCipher(keys.Aead, isClient ? keys.ClientWriteKey : keys.ServerWriteKey, isClient ? keys.ClientWriteIv : keys.ServerWriteIv);
        _reader = new DtlsRecordCipher(keys.Aead, isClient ? keys.ServerWriteKey : keys.ClientWriteKey, isClient ? keys.ServerWriteIv : keys.ClientWriteIv);
        _nextSequence = firstSequence;
    }

    public DtlsAead Aead { get; }

    /// <summary>Header plus AEAD bytes around a plaintext.</summary>
    public int Overhead => HeaderLength + _writer.Overhead;

    /// <summary>The next sequence number <see cref="Seal"/> will use.</summary>
    public ulong NextSequence => _nextSequence;

    /// <summary>Reads a record header; false if fewer than <see cref="HeaderLength"/> bytes.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> data, out DtlsRecordHeader header)
    {
        if (data.Length < HeaderLength)
        {
            header = default;
            return false;
        }

        header = new DtlsRecordHeader(
            data[0],
            BinaryPrimitives.ReadUInt16BigEndian(data[1..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[3..]),
            ((ulong)BinaryPrimitives.ReadUInt16BigEndian(data[5..]) << 32) | BinaryPrimitives.ReadUInt32BigEndian(data[7..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[11..]));
        return true;
    }

    /// <summary>
    /// Writes one epoch-1 record carrying <paramref name="plaintext"/> into <paramref name="destination"/>
    /// (at least <see cref="Overhead"/> + plaintext length bytes); returns its length, or −1 once the
    /// sequence numbers are used up.
    /// </summary>
    public int Seal(byte contentType, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (_nextSequence > MaxSequence)
        {
            return -1;
        }

        ulong sequence = _nextSequence++;
        int fragmentLength = _writer.Overhead + plaintext.Length;
        destination[0] = contentType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], Dtls12);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], Epoch);
        BinaryPrimitives.WriteUInt16BigEndian(destination[5..], (ushort)(sequence >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[7..], (uint)sequence);
        BinaryPrimitives.WriteUInt16BigEndian(destination[11..], (ushort)fragmentLength);
        _writer.Seal(SeqNum(sequence), contentType, Dtls12, plaintext, destination.Slice(HeaderLength, fragmentLength));
        return HeaderLength + fragmentLength;
    }

    /// <summary>
    /// Opens one received epoch-1 record (header included, exactly one record) into
    /// <paramref name="plaintext"/>: replay check, authentication, then the window moves.
    /// </summary>
    public DtlsOpenResult Open(ReadOnlySpan<byte> record, Span<byte> plaintext, out int length)
    {
        length = 0;
        if (!TryReadHeader(record, out DtlsRecordHeader header) || header.Epoch != Epoch || header.Version != Dtls12
            || header.Length != record.Length - HeaderLength)
        {
            return DtlsOpenResult.Malformed;
        }

        if (_window.ShouldDiscard(header.Sequence))
        {
            return DtlsOpenResult.Replayed;
        }

        int plaintextLength = header.Length - _reader.Overhead;
        if (plaintextLength < 0 || plaintextLength > plaintext.Length)
        {
            return DtlsOpenResult.Malformed;
        }

        if (!_reader.TryOpen(SeqNum(header.Sequence), header.ContentType, header.Version, record[HeaderLength..], plaintext))
        {
            return DtlsOpenResult.Forged;
        }

        _window.Accept(header.Sequence);
        length = plaintextLength;
        return DtlsOpenResult.Opened;
    }

    /// <summary>
    /// Re-protects an epoch-1 record BouncyCastle wrote under our write key with our next sequence
    /// number, so its own counter never reaches the wire; returns the new record's length, or −1 if it
    /// does not open or does not fit.
    /// </summary>
    public int Resequence(ReadOnlySpan<byte> record, Span<byte> destination, Span<byte> scratch)
    {
        if (!TryReadHeader(record, out DtlsRecordHeader header) || header.Epoch != Epoch || header.Length != record.Length - HeaderLength)
        {
            return -1;
        }

        int plaintextLength = header.Length - _writer.Overhead;
        if (plaintextLength < 0 || plaintextLength > scratch.Length || Overhead + plaintextLength > destination.Length
            || !_writer.TryOpen(SeqNum(header.Sequence), header.ContentType, header.Version, record[HeaderLength..], scratch))
        {
            return -1;
        }

        return Seal(header.ContentType, scratch[..plaintextLength], destination);
    }

    /// <summary>
    /// Checks the derived keys against the handshake's own Finished records before taking over: ours
    /// (written by BouncyCastle under the write key) and the peer's (under the read key) must both open
    /// to a Finished message. The peer's sequence number enters the replay window.
    /// </summary>
    public bool VerifyFinished(ReadOnlySpan<byte> ownRecord, ReadOnlySpan<byte> peerRecord)
    {
        Span<byte> plaintext = stackalloc byte[256];
        return OpensToFinished(_writer, ownRecord, plaintext, out _)
            && OpensToFinished(_reader, peerRecord, plaintext, out ulong peerSequence)
            && Accept(peerSequence);
    }

    public void Dispose()
    {
        _writer.Dispose();
        _reader.Dispose();
    }

    private static ulong SeqNum(ulong sequence) => ((ulong)Epoch << 48) | sequence;

    private static bool OpensToFinished(DtlsRecordCipher cipher, ReadOnlySpan<byte> record, Span<byte> plaintext, out ulong sequence)
    {
        sequence = 0;
        if (!TryReadHeader(record, out DtlsRecordHeader header) || header.ContentType != Handshake || header.Epoch != Epoch
            || header.Length != record.Length - HeaderLength || header.Length - cipher.Overhead is < 1 or > 256)
        {
            return false;
        }

        sequence = header.Sequence;
        return cipher.TryOpen(SeqNum(header.Sequence), header.ContentType, header.Version, record[HeaderLength..], plaintext)
            && plaintext[0] == FinishedMessage;
    }

    private bool Accept(ulong sequence)
    {
        _window.Accept(sequence);
        return true;
    }
}

/// <summary>The fields of a DTLS record header (RFC 6347 §4.1).</summary>
internal readonly record struct DtlsRecordHeader(byte ContentType, ushort Version, ushort Epoch, ulong Sequence, int Length);

/// <summary>What <see cref="DtlsRecordLayer.Open"/> made of a record.</summary>
internal enum DtlsOpenResult
{
    /// <summary>Authentic and new: the plaintext is valid.</summary>
    Opened,

    /// <summary>Wrong epoch or version, inconsistent length, or too short for the AEAD.</summary>
    Malformed,

    /// <summary>Already seen, or older than the replay window.</summary>
    Replayed,

    /// <summary>Did not authenticate.</summary>
    Forged,
}
