using System.Buffers.Binary;

namespace RtcScamp.Transport.WebRtc.Sctp;

/*
 * Packet assembly. Each PollTransmit call writes at most one SCTP packet of at most MTU bytes.
 * INIT, INIT-ACK, ABORT and SHUTDOWN-COMPLETE travel alone (they carry special verification tags);
 * everything else is bundled in this order, control before DATA as RFC 4960 §6.10 requires:
 * COOKIE-ECHO, COOKIE-ACK, HEARTBEAT-ACK, SHUTDOWN / SHUTDOWN-ACK, RE-CONFIG, SACK, DATA.
 * A delayed SACK is piggybacked whenever DATA goes out.
 */
public sealed partial class SctpAssociation
{
    /// <summary>
    /// Writes the next packet into <paramref name="buffer"/> (at least <see cref="SctpAssociationOptions.Mtu"/>
    /// bytes long; at most Mtu bytes are used) and returns its length, or 0 when there is nothing to send.
    /// Uses the time of the last Handle call; see <see cref="PollTransmit(Span{byte}, long)"/>.
    /// </summary>
    public int PollTransmit(Span<byte> buffer) => PollTransmit(buffer, _now);

    /// <summary>Like <see cref="PollTransmit(Span{byte})"/>, stamping sends and timers with <paramref name="now"/>.</summary>
    public int PollTransmit(Span<byte> buffer, long now)
    {
        if (buffer.Length < _mtu)
        {
            // A smaller buffer could never carry a full-size DATA chunk and sending would stall.
            ThrowArgument("Transmit buffer must hold at least Mtu bytes.", nameof(buffer));
        }

        _now = Math.Max(_now, now);
        Span<byte> packet = buffer[..Math.Min(buffer.Length, _mtu)];
        ushort src = _options.LocalPort;
        ushort dst = _options.RemotePort;
        int pos;

        if (_sendInit)
        {
            _sendInit = false;
            SctpPacket.WriteHeader(packet, src, dst, 0);
            pos = WriteInitChunk(packet, SctpWire.CommonHeaderLength, SctpChunkType.Init, default);
            return Seal(packet, pos);
        }

        if (_initAckLength > 0)
        {
            SctpPacket.WriteHeader(packet, src, dst, _initAckTag);
            _initAck.AsSpan(0, _initAckLength).CopyTo(packet[SctpWire.CommonHeaderLength..]);
            pos = SctpWire.CommonHeaderLength + _initAckLength;
            _initAckLength = 0;
            return Seal(packet, pos);
        }

        if (_sendAbort)
        {
            _sendAbort = false;
            SctpPacket.WriteHeader(packet, src, dst, _peerTag);
            pos = SctpPacket.WriteChunkHeader(packet, SctpWire.CommonHeaderLength, SctpChunkType.Abort, 0, 4);
            return Seal(packet, pos);
        }

        if (_sendShutdownComplete)
        {
            _sendShutdownComplete = false;
            bool reflected = _shutdownCompleteReflected;
            _shutdownCompleteReflected = false;
            SctpPacket.WriteHeader(packet, src, dst, reflected ? _myTag : _peerTag);
            pos = SctpPacket.WriteChunkHeader(packet, SctpWire.CommonHeaderLength, SctpChunkType.ShutdownComplete, reflected ? SctpWire.FlagTagReflected : (byte)0, 4);
            return Seal(packet, pos);
        }

        if (_terminated || !_peerKnown)
        {
            return 0;
        }

        pos = SctpWire.CommonHeaderLength;
        if (_sendCookieEcho)
        {
            _sendCookieEcho = false;
            int length = SctpWire.ChunkHeaderLength + _peerCookieLength;
            int v = SctpPacket.WriteChunkHeader(packet, pos, SctpChunkType.CookieEcho, 0, length);
            _peerCookie.AsSpan(0, _peerCookieLength).CopyTo(packet[v..]);
            pos = SctpPacket.EndChunk(packet, pos, length);
        }

        if (_sendCookieAck)
        {
            _sendCookieAck = false;
            pos = SctpPacket.WriteChunkHeader(packet, pos, SctpChunkType.CookieAck, 0, 4);
        }

        if (_heartbeatInfoLength >= 0 && packet.Length - pos >= SctpWire.Pad4(4 + _heartbeatInfoLength))
        {
            int length = SctpWire.ChunkHeaderLength + _heartbeatInfoLength;
            int v = SctpPacket.WriteChunkHeader(packet, pos, SctpChunkType.HeartbeatAck, 0, length);
            _heartbeatInfo.AsSpan(0, _heartbeatInfoLength).CopyTo(packet[v..]);
            pos = SctpPacket.EndChunk(packet, pos, length);
            _heartbeatInfoLength = -1;
        }

        if (_sendShutdown)
        {
            _sendShutdown = false;
            int v = SctpPacket.WriteChunkHeader(packet, pos, SctpChunkType.Shutdown, 0, 8);
            BinaryPrimitives.WriteUInt32BigEndian(packet[v..], _cumTsn);
            pos = v + 4;
        }

        if (_sendShutdownAck)
        {
            _sendShutdownAck = false;
            pos = SctpPacket.WriteChunkHeader(packet, pos, SctpChunkType.ShutdownAck, 0, 4);
        }

        bool established = _state >= SctpAssociationState.Established;
        if (established && _peerSupportsReconfig && HasReconfigToSend())
        {
            pos = WriteReconfig(packet, pos);
        }

        bool dataAllowed = _state is SctpAssociationState.Established or SctpAssociationState.ShutdownPending or SctpAssociationState.ShutdownReceived;
        bool hasData = dataAllowed && HasSendableData();
        if ((_sackNow || (_sackDue && hasData)) && packet.Length - pos >= 16)
        {
            pos = WriteSack(packet, pos);
        }

        if (hasData)
        {
            pos = WriteData(packet, pos);
        }

        if (pos == SctpWire.CommonHeaderLength)
        {
            return 0;
        }

        SctpPacket.WriteHeader(packet, src, dst, _peerTag);
        return Seal(packet, pos);
    }

    private static int Seal(Span<byte> packet, int length)
    {
        SctpPacket.Seal(packet[..length]);
        return length;
    }
}
