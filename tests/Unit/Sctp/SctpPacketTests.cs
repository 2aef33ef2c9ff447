using System.Buffers.Binary;
using System.Text;
using RtcScamp.Transport.WebRtc.Sctp;
using Xunit;
using static RtcScamp.Tests.Sctp.SctpTestPairs;

namespace RtcScamp.Tests.Sctp;

public class SctpPacketTests
{
    // RFC 3720 §B.4; the RFC lists the CRC bytes as stored little-endian ("aa 36 91 8a").
    [Theory]
    [InlineData("zeros", 0x8A9136AAu)]
    [InlineData("ones", 0x62A8AB43u)]
    [InlineData("incrementing", 0x46DD794Eu)]
    [InlineData("decrementing", 0x113FDB5Cu)]
    [InlineData("iscsi-read", 0xD9963A56u)]
    [InlineData("123456789", 0xE3069283u)]
    public void Crc32c_matches_rfc3720_vectors_on_every_path(string name, uint expected)
    {
        byte[] data = name switch
        {
            "zeros" => new byte[32],
            "ones" => Enumerable.Repeat((byte)0xFF, 32).ToArray(),
            "incrementing" => Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(),
            "decrementing" => Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray(),
            "iscsi-read" =>
            [
                0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
                0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            ],
            _ => Encoding.ASCII.GetBytes(name),
        };
        Assert.Equal(expected, Crc32c.Compute(data));
        Assert.Equal(expected, ~Crc32c.UpdateSoftware(0xFFFFFFFFu, data));
    }

    [Fact]
    public void Crc32c_hardware_and_table_paths_agree_on_every_length_and_split()
    {
        var random = new Random(3);
        var data = new byte[300];
        random.NextBytes(data);
        for (int length = 0; length <= data.Length; length++)
        {
            ReadOnlySpan<byte> span = data.AsSpan(0, length);
            uint whole = Crc32c.Compute(span);
            Assert.Equal(whole, ~Crc32c.UpdateSoftware(0xFFFFFFFFu, span));
            int split = length / 3;
            Assert.Equal(whole, ~Crc32c.Update(Crc32c.Update(0xFFFFFFFFu, span[..split]), span[split..]));
        }
    }

    private static byte[] Packet(uint tag, params byte[][] chunks)
    {
        int length = 12 + chunks.Sum(c => SctpWire.Pad4(c.Length));
        var packet = new byte[length];
        SctpPacket.WriteHeader(packet, 5000, 5000, tag);
        int pos = 12;
        foreach (byte[] c in chunks)
        {
            c.CopyTo(packet, pos);
            pos += SctpWire.Pad4(c.Length);
        }

        SctpPacket.Seal(packet);
        return packet;
    }

    private static byte[] Chunk(byte type, byte flags, params byte[] value)
    {
        var chunk = new byte[4 + value.Length];
        chunk[0] = type;
        chunk[1] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(chunk.AsSpan(2), (ushort)chunk.Length);
        value.CopyTo(chunk, 4);
        return chunk;
    }

    [Fact]
    public void Validate_rejects_bad_checksum_and_bad_chunk_lengths()
    {
        byte[] good = Packet(7, Chunk(11, 0));
        Assert.Equal(SctpPacket.Check.Ok, SctpPacket.Validate(good));

        byte[] badCrc = (byte[])good.Clone();
        badCrc[8] ^= 1;
        Assert.Equal(SctpPacket.Check.BadChecksum, SctpPacket.Validate(badCrc));

        byte[] zeroLength = Packet(7, [11, 0, 0, 0]);
        Assert.Equal(SctpPacket.Check.BadChunkLength, SctpPacket.Validate(zeroLength));

        byte[] pastEnd = Packet(7, [0, 0, 0, 200, 0, 0, 0, 0]);
        Assert.Equal(SctpPacket.Check.BadChunkLength, SctpPacket.Validate(pastEnd));

        Assert.Equal(SctpPacket.Check.TooShort, SctpPacket.Validate(new byte[5]));
        Assert.Equal(SctpPacket.Check.NoChunks, SctpPacket.Validate(Packet(7)));
    }

    [Fact]
    public void Association_drops_bad_checksum_wrong_tag_and_wrong_port()
    {
        var (a, b, _) = Established();
        uint tag = b.Association.LocalVerificationTag;
        byte[] heartbeat = Chunk(4, 0, [0, 1, 0, 8, 1, 2, 3, 4]);

        byte[] wrongTag = Packet(tag + 1, heartbeat);
        byte[] badCrc = Packet(tag, heartbeat);
        badCrc[^1] ^= 0x40;
        byte[] wrongPort = Packet(tag, heartbeat);
        BinaryPrimitives.WriteUInt16BigEndian(wrongPort.AsSpan(2), 5001);
        SctpPacket.Seal(wrongPort);

        var buffer = new byte[1500];
        foreach (byte[] p in new[] { wrongTag, badCrc, wrongPort })
        {
            b.Association.HandlePacket(p, 100);
            Assert.Equal(0, b.Association.PollTransmit(buffer, 100));
        }

        Assert.Equal(3, b.Association.DroppedPackets);
        Assert.Equal(SctpAssociationState.Established, a.Association.State);
    }

    [Fact]
    public void Heartbeat_is_answered_with_the_same_info()
    {
        var (_, b, _) = Established();
        byte[] info = [0, 1, 0, 12, 9, 8, 7, 6, 5, 4, 3, 2];
        b.Association.HandlePacket(Packet(b.Association.LocalVerificationTag, Chunk(4, 0, info)), 100);
        var buffer = new byte[1500];
        int n = b.Association.PollTransmit(buffer, 100);
        Assert.True(n > 0);
        Assert.Equal(SctpPacket.Check.Ok, SctpPacket.Validate(buffer.AsSpan(0, n)));
        var reader = new SctpChunkReader(buffer.AsSpan(0, n));
        Assert.True(reader.MoveNext());
        Assert.Equal((byte)SctpChunkType.HeartbeatAck, reader.Type);
        Assert.Equal(info, reader.Value.ToArray());
    }

    [Fact]
    public void Unknown_chunks_are_skipped_or_stop_processing_by_their_high_bits()
    {
        var (_, b, _) = Established();
        uint tag = b.Association.LocalVerificationTag;
        byte[] heartbeat = Chunk(4, 0, [0, 1, 0, 8, 1, 2, 3, 4]);
        var buffer = new byte[1500];

        // 0xC7: high bits 11 = skip and continue, so the HEARTBEAT after it is answered.
        b.Association.HandlePacket(Packet(tag, Chunk(0xC7, 0, 1, 2, 3), heartbeat), 100);
        Assert.True(b.Association.PollTransmit(buffer, 100) > 0);

        // 0x3F: high bits 00 = stop processing the packet, so the HEARTBEAT is not answered.
        b.Association.HandlePacket(Packet(tag, Chunk(0x3F, 0, 1, 2, 3), heartbeat), 100);
        Assert.Equal(0, b.Association.PollTransmit(buffer, 100));
        Assert.Equal(SctpAssociationState.Established, b.Association.State);
    }

    [Fact]
    public void Init_with_nonzero_tag_or_bundled_chunks_is_dropped()
    {
        SctpAssociation s = Create(5);
        byte[] init = Chunk(1, 0, [0, 0, 0, 9, 0, 1, 0, 0, 0, 10, 0, 10, 0, 0, 0, 1]);
        var buffer = new byte[1500];
        s.HandlePacket(Packet(3, init), 0);
        Assert.Equal(0, s.PollTransmit(buffer, 0));
        s.HandlePacket(Packet(0, init, Chunk(11, 0)), 0);
        Assert.Equal(0, s.PollTransmit(buffer, 0));
        s.HandlePacket(Packet(0, init), 0);
        int n = s.PollTransmit(buffer, 0);
        Assert.True(n > 0);
        Assert.Equal(9u, SctpPacket.VerificationTag(buffer));
        Assert.Equal((byte)SctpChunkType.InitAck, buffer[12]);
        Assert.Equal(2, s.DroppedPackets);
    }

    [Fact]
    public void Forged_or_expired_cookie_is_refused()
    {
        SctpAssociation s = Create(5);
        var buffer = new byte[1500];
        byte[] init = Chunk(1, 0, [0, 0, 0, 9, 0, 1, 0, 0, 0, 10, 0, 10, 0, 0, 0, 1]);
        s.HandlePacket(Packet(0, init), 0);
        int n = s.PollTransmit(buffer, 0);
        var reader = new SctpChunkReader(buffer.AsSpan(0, n));
        reader.MoveNext();
        var parameters = new SctpParameterReader(reader.Value[16..]);
        byte[] cookie = [];
        while (parameters.MoveNext())
        {
            if (parameters.Type == 7)
            {
                cookie = parameters.Value.ToArray();
            }
        }

        Assert.Equal(48, cookie.Length);
        uint tag = s.LocalVerificationTag;
        byte[] forged = (byte[])cookie.Clone();
        forged[8] ^= 1;
        s.HandlePacket(Packet(tag, Chunk(10, 0, forged)), 10);
        Assert.Equal(SctpAssociationState.Closed, s.State);
        s.HandlePacket(Packet(tag, Chunk(10, 0, cookie)), 61_000);
        Assert.Equal(SctpAssociationState.Closed, s.State);
        s.HandlePacket(Packet(tag, Chunk(10, 0, cookie)), 50_000);
        Assert.Equal(SctpAssociationState.Established, s.State);
        Assert.Equal(2, s.DroppedChunks);
    }

    [Fact]
    public void Data_far_outside_the_window_is_dropped_and_duplicates_are_reported()
    {
        var (a, b, link) = Established();
        Assert.Equal(SctpSendResult.Ok, a.Association.Send(1, 53, [1, 2, 3]));
        var captured = new List<byte[]>();
        link.Filter = (from, p) =>
        {
            if (from == 0 && p[12] == 0)
            {
                captured.Add(p);
            }

            return true;
        };
        Assert.True(link.RunUntil(() => b.Messages.Count == 1));
        link.Filter = null;

        // Replay: duplicate TSN, reported in the next SACK.
        byte[] dup = captured[0];
        b.Association.HandlePacket(dup, link.Now);
        var buffer = new byte[1500];
        int n = b.Association.PollTransmit(buffer, link.Now);
        Assert.True(n > 0);
        var reader = new SctpChunkReader(buffer.AsSpan(0, n));
        Assert.True(reader.MoveNext());
        Assert.Equal((byte)SctpChunkType.Sack, reader.Type);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(reader.Value[10..]));
        Assert.Single(b.Messages);

        // TSN a million ahead: dropped, nothing held.
        byte[] far = (byte[])dup.Clone();
        uint tsn = BinaryPrimitives.ReadUInt32BigEndian(far.AsSpan(16));
        BinaryPrimitives.WriteUInt32BigEndian(far.AsSpan(16), tsn + 1_000_000);
        SctpPacket.Seal(far);
        long dropped = b.Association.DroppedChunks;
        b.Association.HandlePacket(far, link.Now);
        Assert.Equal(dropped + 1, b.Association.DroppedChunks);
        Assert.Equal(0, b.Association.ReceiveBufferUsed);
    }

    [Theory]
    [InlineData(12, true)]
    [InlineData(9, true)]
    [InlineData(0x55, false)]
    public void Init_parameters_before_supported_extensions_are_skipped_only_when_known(int leading, bool expectReconfig)
    {
        SctpAssociation s = Create(5);
        byte[] init = Chunk(1, 0,
        [
            0, 0, 0, 9, 0, 1, 0, 0, 0, 10, 0, 10, 0, 0, 0, 1,
            0, (byte)leading, 0, 8, 0, 5, 0, 6,
            0x80, 0x08, 0, 5, 0x82, 0, 0, 0,
        ]);
        var buffer = new byte[1500];
        s.HandlePacket(Packet(0, init), 0);
        int n = s.PollTransmit(buffer, 0);
        var reader = new SctpChunkReader(buffer.AsSpan(0, n));
        reader.MoveNext();
        var parameters = new SctpParameterReader(reader.Value[16..]);
        byte[] cookie = [];
        while (parameters.MoveNext())
        {
            if (parameters.Type == 7)
            {
                cookie = parameters.Value.ToArray();
            }
        }

        s.HandlePacket(Packet(s.LocalVerificationTag, Chunk(10, 0, cookie)), 1);
        Assert.Equal(SctpAssociationState.Established, s.State);
        Assert.Equal(expectReconfig, s.PeerSupportsReconfig);
        Assert.Equal(10, s.OutboundStreams);
    }

    private static List<(uint Seq, uint Result)> ReconfigResponses(byte[] packet)
    {
        var found = new List<(uint, uint)>();
        if (SctpPacket.Validate(packet) != SctpPacket.Check.Ok)
        {
            return found;
        }

        var reader = new SctpChunkReader(packet);
        while (reader.MoveNext())
        {
            if (reader.Type != (byte)SctpChunkType.ReConfig)
            {
                continue;
            }

            var parameters = new SctpParameterReader(reader.Value);
            while (parameters.MoveNext())
            {
                if (parameters.Type == 16)
                {
                    found.Add((BinaryPrimitives.ReadUInt32BigEndian(parameters.Value), BinaryPrimitives.ReadUInt32BigEndian(parameters.Value[4..])));
                }
            }
        }

        return found;
    }

    private static byte[] OutgoingResetRequest(uint tag, uint seq, uint lastTsn, ushort stream)
    {
        byte[] value = new byte[4 + 16 + 2];
        BinaryPrimitives.WriteUInt16BigEndian(value, 13);
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(2), 18);
        BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt32BigEndian(value.AsSpan(12), lastTsn);
        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(16), stream);
        return Packet(tag, Chunk(130, 0, value));
    }

    [Fact]
    public void Deferred_reset_accepts_retries_with_same_or_next_sequence_number_and_resets_once()
    {
        var (a, b, link) = Established();
        uint firstSeq = a.Association.LocalInitialTsn;
        uint tagOfB = b.Association.LocalVerificationTag;
        var responses = new List<(uint Seq, uint Result)>();
        uint droppedTsn = 0;
        bool dropData = true;
        link.Filter = (from, p) =>
        {
            if (from == 1)
            {
                responses.AddRange(ReconfigResponses(p));
                return true;
            }

            if (dropData && p[12] == 0)
            {
                droppedTsn = BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(16));
                return false;
            }

            return true;
        };

        Assert.Equal(SctpSendResult.Ok, a.Association.Send(3, 53, [1, 2, 3]));
        link.Flush();
        Assert.NotEqual(0u, droppedTsn);
        dropData = false;

        // The peer's request names a TSN we have not received: "in progress" (6).
        b.Association.HandlePacket(OutgoingResetRequest(tagOfB, firstSeq, droppedTsn, 3), link.Now);
        link.Flush();
        Assert.Equal((firstSeq, 6u), responses[^1]);

        // dcsctp retries with the next sequence number: still in progress, not "bad sequence number".
        b.Association.HandlePacket(OutgoingResetRequest(tagOfB, firstSeq + 1, droppedTsn, 3), link.Now);
        link.Flush();
        Assert.Equal((firstSeq + 1, 6u), responses[^1]);

        // The data is retransmitted; the reset happens after it, once, and is answered unprompted.
        Assert.True(link.RunUntil(() => b.Messages.Count == 1 && b.Events.Any(e => e.Kind == SctpEventKind.IncomingStreamReset)));
        Assert.Contains((firstSeq + 1, 1u), responses);

        // Retries after completion: same number gets the result again, a new number is
        // recognised as the same request and not reset twice.
        b.Association.HandlePacket(OutgoingResetRequest(tagOfB, firstSeq + 1, droppedTsn, 3), link.Now);
        link.Flush();
        Assert.Equal((firstSeq + 1, 1u), responses[^1]);
        b.Association.HandlePacket(OutgoingResetRequest(tagOfB, firstSeq + 2, droppedTsn, 3), link.Now);
        link.Flush();
        Assert.Equal((firstSeq + 2, 1u), responses[^1]);
        Assert.Single(b.Events, e => e.Kind == SctpEventKind.IncomingStreamReset);

        // A number out of sequence is refused (5).
        b.Association.HandlePacket(OutgoingResetRequest(tagOfB, firstSeq + 9, droppedTsn, 3), link.Now);
        link.Flush();
        Assert.Equal((firstSeq + 9, 5u), responses[^1]);
    }
}
