using System.Buffers;
using MessagePack;

namespace RtcScamp.Wire.Codec;

/// <summary>
/// The slow path of the codec's writer: MessagePack's <see cref="MessagePackWriter"/> over any
/// <see cref="IBufferWriter{T}"/>, used when the destination cannot hand out one span holding the whole message
/// (a large payload into a pipe of 4 KiB segments). Call <see cref="Flush"/> when done.
/// </summary>
internal ref struct MessagePackFieldWriter : IMessageFieldWriter
{
    private MessagePackWriter _writer;

    internal MessagePackFieldWriter(IBufferWriter<byte> output) => _writer = new MessagePackWriter(output);

    public void WriteArrayHeader(int count) => _writer.WriteArrayHeader(count);

    public void WriteUInt(ulong value) => _writer.Write(value);

    public void WriteDouble(double value) => _writer.Write(value);

    public void WriteNodeId(NodeId id) => MessagePackFields.WriteNodeId(ref _writer, id);

    public void WriteBin(in ReadOnlySequence<byte> bytes) => _writer.Write(bytes);

    /// <summary>Commits what was written to the underlying buffer writer.</summary>
    internal void Flush() => _writer.Flush();
}
