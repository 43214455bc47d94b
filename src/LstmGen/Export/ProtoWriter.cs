using System;
using System.Buffers.Binary;
using System.Text;

namespace LstmGen.Export;

/// <summary>
/// The few protocol buffers encodings the ONNX writer needs (proto2 wire format): varints, 32-bit floats, length-delimited
/// bytes, strings and nested messages, packed repeated int64 and float fields. Write-only and allocation-light: a nested
/// message is written into its own writer and copied into its parent with its length (messages here are small, except
/// weight tensors, which are copied twice at most).
/// </summary>
internal sealed class ProtoWriter
{
    private const int Varint = 0;
    private const int Fixed32 = 5;
    private const int LengthDelimited = 2;

    private byte[] _buffer;
    private int _length;

    public ProtoWriter(int capacity = 256) => _buffer = new byte[Math.Max(16, capacity)];

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>An int64 (or int32, or enum) field, as a varint (negative values take ten bytes, as protobuf encodes them).</summary>
    public void Int64(int field, long value)
    {
        Tag(field, Varint);
        WriteVarint((ulong)value);
    }

    /// <summary>A float field (fixed 32 bits, little-endian).</summary>
    public void Float(int field, float value)
    {
        Tag(field, Fixed32);
        BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);
    }

    /// <summary>A string field (UTF-8).</summary>
    public void String(int field, string value)
    {
        int count = Encoding.UTF8.GetByteCount(value);
        Tag(field, LengthDelimited);
        WriteVarint((ulong)count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>A bytes field.</summary>
    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)value.Length);
        value.CopyTo(Reserve(value.Length));
    }

    /// <summary>A bytes field holding floats, little-endian (TensorProto.raw_data).</summary>
    public void FloatBytes(int field, ReadOnlySpan<float> values)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)values.Length * 4);
        Span<byte> target = Reserve(checked(values.Length * 4));
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(target.Slice(4 * i, 4), values[i]);
        }
    }

    /// <summary>A packed repeated int64 field.</summary>
    public void PackedInt64(int field, ReadOnlySpan<long> values)
    {
        var inner = new ProtoWriter(values.Length * 2 + 8);
        foreach (long v in values)
        {
            inner.WriteVarint((ulong)v);
        }
        Bytes(field, inner.Written);
    }

    /// <summary>A packed repeated float field.</summary>
    public void PackedFloat(int field, ReadOnlySpan<float> values)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)values.Length * 4);
        Span<byte> target = Reserve(values.Length * 4);
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(target.Slice(4 * i, 4), values[i]);
        }
    }

    /// <summary>A nested message field: <paramref name="message"/> writes its fields into a new writer.</summary>
    public void Message<T>(int field, T state, Action<ProtoWriter, T> message)
    {
        var inner = new ProtoWriter();
        message(inner, state);
        Bytes(field, inner.Written);
    }

    private void Tag(int field, int wireType) => WriteVarint(((ulong)field << 3) | (uint)wireType);

    private void WriteVarint(ulong value)
    {
        Span<byte> target = Reserve(10);
        int n = 0;
        while (value >= 0x80)
        {
            target[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        target[n++] = (byte)value;
        _length -= 10 - n;
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            long size = Math.Max((long)_buffer.Length * 2, (long)_length + count);
            if (size > Array.MaxLength)
            {
                size = (long)_length + count <= Array.MaxLength
                    ? Array.MaxLength
                    : throw new InvalidOperationException("The ONNX model exceeds the 2 GB a protobuf message can hold.");
            }
            Array.Resize(ref _buffer, (int)size);
        }
        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
