using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace LstmGen.Import;

// A small HDF5 writer for what Keras weight files hold: groups, float32 datasets (contiguous) and UTF-8
// variable-length string attributes. It writes the classic layout h5py writes by default (libver "earliest"):
// superblock version 0, version-1 object headers, old-style groups (v1 B-tree + local heap + symbol table nodes),
// version-3 contiguous data layout, strings in a global heap. Every HDF5 library since 1.6 reads it.

/// <summary>A group to write: members by name, and string attributes.</summary>
internal sealed class Hdf5WriteGroup
{
    public SortedDictionary<string, object> Members { get; } = new(Utf8Order.Instance); // Hdf5WriteGroup or Hdf5WriteDataset

    public List<(string Name, string[] Values, bool Scalar)> Attributes { get; } = [];

    public Hdf5WriteGroup Group(string name)
    {
        if (Members.TryGetValue(name, out object? o))
        {
            return o as Hdf5WriteGroup ?? throw new InvalidOperationException($"'{name}' is already a dataset.");
        }
        var g = new Hdf5WriteGroup();
        Members[name] = g;
        return g;
    }

    public void Dataset(string name, int[] shape, float[] values)
    {
        if (!Members.TryAdd(name, new Hdf5WriteDataset(shape, values)))
        {
            throw new InvalidOperationException($"'{name}' already exists.");
        }
    }

    public void StringAttribute(string name, string value) => Attributes.Add((name, [value], true));

    public void StringArrayAttribute(string name, string[] values) => Attributes.Add((name, values, false));
}

/// <summary>A float32 dataset to write.</summary>
internal sealed class Hdf5WriteDataset(int[] shape, float[] values)
{
    public int[] Shape { get; } = shape;
    public float[] Values { get; } = values;
}

/// <summary>HDF5 orders the links of an old-style group by strcmp of their UTF-8 bytes.</summary>
internal sealed class Utf8Order : IComparer<string>
{
    public static readonly Utf8Order Instance = new();

    public int Compare(string? x, string? y) =>
        Encoding.UTF8.GetBytes(x ?? "").AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y ?? ""));
}

internal static class Hdf5Writer
{
    private const int LeafK = 4;       // symbol table node: up to 2K = 8 links
    private const int InternalK = 16;  // group B-tree node: up to 2K = 32 children
    private const int SuperblockSize = 96;
    private const ulong Undefined = ulong.MaxValue;
    private const int SymbolEntrySize = 40;
    private const int SymbolNodeSize = 8 + 2 * LeafK * SymbolEntrySize;
    private const int BTreeNodeSize = 24 + (2 * InternalK + 1) * 8 + 2 * InternalK * 8;

    public static byte[] Write(Hdf5WriteGroup root)
    {
        var w = new Builder();
        w.Reserve(SuperblockSize);

        // All strings go into global heap collections first; attribute messages then refer to them.
        var strings = new List<byte[]>();
        CollectStrings(root, strings);
        var references = w.WriteGlobalHeaps(strings);

        (ulong rootHeader, ulong rootBTree, ulong rootHeap) = WriteGroup(w, root, references);

        byte[] file = w.ToArray();
        Span<byte> sb = file.AsSpan(0, SuperblockSize);
        Hdf5File.Signature.CopyTo(sb);
        sb[8] = 0;   // superblock version
        sb[9] = 0;   // free-space storage version
        sb[10] = 0;  // root group symbol table entry version
        sb[12] = 0;  // shared header message format version
        sb[13] = 8;  // size of offsets
        sb[14] = 8;  // size of lengths
        BinaryPrimitives.WriteUInt16LittleEndian(sb[16..], LeafK);
        BinaryPrimitives.WriteUInt16LittleEndian(sb[18..], InternalK);
        BinaryPrimitives.WriteUInt32LittleEndian(sb[20..], 0); // file consistency flags
        BinaryPrimitives.WriteUInt64LittleEndian(sb[24..], 0); // base address
        BinaryPrimitives.WriteUInt64LittleEndian(sb[32..], Undefined); // free-space info
        BinaryPrimitives.WriteUInt64LittleEndian(sb[40..], (ulong)file.Length); // end of file
        BinaryPrimitives.WriteUInt64LittleEndian(sb[48..], Undefined); // driver info
        WriteSymbolEntry(sb[56..], 0, rootHeader, rootBTree, rootHeap);
        return file;
    }

    private static void CollectStrings(Hdf5WriteGroup g, List<byte[]> strings)
    {
        foreach ((_, string[] values, _) in g.Attributes)
        {
            strings.AddRange(values.Select(v => Encoding.UTF8.GetBytes(v)));
        }
        foreach (object m in g.Members.Values)
        {
            if (m is Hdf5WriteGroup child)
            {
                CollectStrings(child, strings);
            }
        }
    }

    private static void WriteSymbolEntry(Span<byte> s, ulong nameOffset, ulong header, ulong btree, ulong heap)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(s, nameOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], header);
        if (btree == Undefined)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s[16..], 0); // no cache (a dataset)
            s.Slice(20, 20).Clear();
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(s[16..], 1); // cache: the group's B-tree and heap
            BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 0);
            BinaryPrimitives.WriteUInt64LittleEndian(s[24..], btree);
            BinaryPrimitives.WriteUInt64LittleEndian(s[32..], heap);
        }
    }

    /// <summary>Writes a group (children first) and returns its object header, B-tree and local heap addresses.</summary>
    private static (ulong Header, ulong BTree, ulong Heap) WriteGroup(Builder w, Hdf5WriteGroup g, Queue<(ulong, uint)> strings)
    {
        // Attribute references are consumed in the same order as CollectStrings produced them: this group's first.
        var attributeMessages = new List<byte[]>();
        foreach ((string name, string[] values, bool scalar) in g.Attributes)
        {
            var refs = new (ulong, uint, int)[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                (ulong collection, uint index) = strings.Dequeue();
                refs[i] = (collection, index, Encoding.UTF8.GetByteCount(values[i]));
            }
            attributeMessages.Add(StringAttributeMessage(name, refs, scalar));
        }

        var entries = new List<(string Name, ulong Header, ulong BTree, ulong Heap)>();
        foreach ((string name, object member) in g.Members)
        {
            if (member is Hdf5WriteGroup child)
            {
                (ulong h, ulong b, ulong p) = WriteGroup(w, child, strings);
                entries.Add((name, h, b, p));
            }
            else
            {
                entries.Add((name, WriteDataset(w, (Hdf5WriteDataset)member), Undefined, Undefined));
            }
        }

        // Local heap: "" at offset 0, then each name, null-terminated, padded to 8 bytes.
        var heapData = new MemoryStream();
        heapData.Write(new byte[8]);
        var nameOffsets = new ulong[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            nameOffsets[i] = (ulong)heapData.Length;
            byte[] bytes = Encoding.UTF8.GetBytes(entries[i].Name);
            heapData.Write(bytes);
            heapData.Write(new byte[8 - bytes.Length % 8]);
        }
        byte[] heapBytes = heapData.ToArray();
        ulong heapDataAddress = w.Append(heapBytes);
        var heapHeader = new byte[32];
        "HEAP"u8.CopyTo(heapHeader);
        BinaryPrimitives.WriteUInt64LittleEndian(heapHeader.AsSpan(8), (ulong)heapBytes.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(heapHeader.AsSpan(16), 1); // no free block (H5HL_FREE_NULL)
        BinaryPrimitives.WriteUInt64LittleEndian(heapHeader.AsSpan(24), heapDataAddress);
        ulong heapAddress = w.Append(heapHeader);

        // Symbol table nodes of up to 2K entries each, in name order.
        var level = new List<(ulong Address, ulong LastName)>();
        for (int start = 0; start < entries.Count; start += 2 * LeafK)
        {
            int n = Math.Min(2 * LeafK, entries.Count - start);
            var node = new byte[SymbolNodeSize];
            "SNOD"u8.CopyTo(node);
            node[4] = 1;
            BinaryPrimitives.WriteUInt16LittleEndian(node.AsSpan(6), (ushort)n);
            for (int i = 0; i < n; i++)
            {
                var e = entries[start + i];
                WriteSymbolEntry(node.AsSpan(8 + i * SymbolEntrySize), nameOffsets[start + i], e.Header, e.BTree, e.Heap);
            }
            level.Add((w.Append(node), nameOffsets[start + n - 1]));
        }

        // B-tree nodes of up to 2K children, built bottom-up.
        int nodeLevel = 0;
        while (true)
        {
            var next = new List<(ulong, ulong)>();
            for (int start = 0; start < Math.Max(level.Count, 1); start += 2 * InternalK)
            {
                int n = Math.Min(2 * InternalK, level.Count - start);
                var node = new byte[BTreeNodeSize];
                "TREE"u8.CopyTo(node);
                node[4] = 0; // group node
                node[5] = (byte)nodeLevel;
                BinaryPrimitives.WriteUInt16LittleEndian(node.AsSpan(6), (ushort)n);
                BinaryPrimitives.WriteUInt64LittleEndian(node.AsSpan(8), Undefined);  // left sibling
                BinaryPrimitives.WriteUInt64LittleEndian(node.AsSpan(16), Undefined); // right sibling
                int p = 24;
                BinaryPrimitives.WriteUInt64LittleEndian(node.AsSpan(p), 0); // key 0: ""
                p += 8;
                for (int i = 0; i < n; i++)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(node.AsSpan(p), level[start + i].Address);
                    BinaryPrimitives.WriteUInt64LittleEndian(node.AsSpan(p + 8), level[start + i].LastName);
                    p += 16;
                }
                ulong address = w.Append(node);
                next.Add((address, n > 0 ? level[start + n - 1].LastName : 0));
                if (level.Count == 0)
                {
                    break;
                }
            }
            if (next.Count == 1)
            {
                ulong btree = next[0].Item1;
                var messages = new List<(int Type, byte[] Data)>();
                var symbolTable = new byte[16];
                BinaryPrimitives.WriteUInt64LittleEndian(symbolTable, btree);
                BinaryPrimitives.WriteUInt64LittleEndian(symbolTable.AsSpan(8), heapAddress);
                messages.Add((0x11, symbolTable));
                messages.AddRange(attributeMessages.Select(a => (0x0C, a)));
                return (WriteObjectHeader(w, messages), btree, heapAddress);
            }
            level = next;
            nodeLevel++;
        }
    }

    private static ulong WriteDataset(Builder w, Hdf5WriteDataset d)
    {
        var data = new byte[d.Values.Length * 4];
        for (int i = 0; i < d.Values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), d.Values[i]);
        }
        ulong address = data.Length == 0 ? Undefined : w.Append(data);

        var messages = new List<(int, byte[])>
        {
            (0x01, Dataspace(d.Shape)),
            (0x03, Float32Type()),
            (0x05, [2, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0]), // fill value v2: late allocation, write if set, defined, size 0 (default)
        };
        var layout = new byte[18];
        layout[0] = 3; // version 3
        layout[1] = 1; // contiguous
        BinaryPrimitives.WriteUInt64LittleEndian(layout.AsSpan(2), address);
        BinaryPrimitives.WriteUInt64LittleEndian(layout.AsSpan(10), (ulong)data.Length);
        messages.Add((0x08, layout));
        return WriteObjectHeader(w, messages);
    }

    private static byte[] Dataspace(int[] shape)
    {
        var s = new byte[8 + 8 * shape.Length];
        s[0] = 1;                  // version 1 (rank 0 = scalar)
        s[1] = (byte)shape.Length; // rank
        s[2] = 0;                  // no maximum dimensions
        for (int i = 0; i < shape.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s.AsSpan(8 + 8 * i), (ulong)shape[i]);
        }
        return s;
    }

    private static byte[] Float32Type()
    {
        var t = new byte[20];
        t[0] = 0x11;  // class 1 (floating point), version 1
        t[1] = 0x20;  // little-endian, implied mantissa normalisation
        t[2] = 31;    // sign bit position
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(4), 4);
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(8), 0);   // bit offset
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(10), 32); // precision
        t[12] = 23;   // exponent location
        t[13] = 8;    // exponent size
        t[14] = 0;    // mantissa location
        t[15] = 23;   // mantissa size
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(16), 127); // exponent bias
        return t;
    }

    private static byte[] VariableLengthStringType()
    {
        var t = new byte[20];
        t[0] = 0x19;  // class 9 (variable-length), version 1
        t[1] = 0x01;  // string, null-terminated padding
        t[2] = 0x01;  // UTF-8
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(4), 16);
        // Base type: unsigned 8-bit integer.
        t[8] = 0x10;  // class 0 (fixed point), version 1
        BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(12), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(16), 0);
        BinaryPrimitives.WriteUInt16LittleEndian(t.AsSpan(18), 8);
        return t;
    }

    private static byte[] StringAttributeMessage(string name, (ulong Collection, uint Index, int Length)[] values, bool scalar)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        byte[] type = VariableLengthStringType();
        byte[] space = Dataspace(scalar ? [] : [values.Length]);
        static int Pad(int n) => (n + 7) / 8 * 8;
        var m = new byte[8 + Pad(nameBytes.Length) + Pad(type.Length) + Pad(space.Length) + 16 * values.Length];
        m[0] = 1; // version 1
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(2), (ushort)nameBytes.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(4), (ushort)type.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(m.AsSpan(6), (ushort)space.Length);
        int p = 8;
        nameBytes.CopyTo(m, p);
        p += Pad(nameBytes.Length);
        type.CopyTo(m, p);
        p += Pad(type.Length);
        space.CopyTo(m, p);
        p += Pad(space.Length);
        foreach ((ulong collection, uint index, int length) in values)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(p), (uint)length);
            BinaryPrimitives.WriteUInt64LittleEndian(m.AsSpan(p + 4), collection);
            BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(p + 12), index);
            p += 16;
        }
        return m;
    }

    /// <summary>A version-1 object header holding the messages (each padded to 8 bytes).</summary>
    private static ulong WriteObjectHeader(Builder w, List<(int Type, byte[] Data)> messages)
    {
        int body = messages.Sum(m => 8 + (m.Data.Length + 7) / 8 * 8);
        if (body > 0xFFFF * 8)
        {
            throw new InvalidOperationException("An HDF5 object header would be too large (too many or too long attributes).");
        }
        var h = new byte[16 + body];
        h[0] = 1; // version
        BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(2), (ushort)messages.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), 1); // reference count
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), (uint)body);
        int p = 16;
        foreach ((int type, byte[] data) in messages)
        {
            int size = (data.Length + 7) / 8 * 8;
            if (size > 0xFFFF)
            {
                throw new InvalidOperationException("An HDF5 header message would exceed 64 KiB (an attribute too long).");
            }
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(p), (ushort)type);
            BinaryPrimitives.WriteUInt16LittleEndian(h.AsSpan(p + 2), (ushort)size);
            h[p + 4] = type == 0x03 || type == 0x05 ? (byte)1 : (byte)0; // datatype and fill value are constant
            data.CopyTo(h, p + 8);
            p += 8 + size;
        }
        return w.Append(h);
    }

    private sealed class Builder
    {
        private readonly MemoryStream _stream = new();

        public void Reserve(int bytes) => _stream.Write(new byte[bytes]);

        /// <summary>Appends at an 8-byte aligned address and returns the address.</summary>
        public ulong Append(ReadOnlySpan<byte> bytes)
        {
            long pad = (8 - _stream.Length % 8) % 8;
            _stream.Write(new byte[pad]);
            ulong address = (ulong)_stream.Length;
            _stream.Write(bytes);
            return address;
        }

        public byte[] ToArray()
        {
            long pad = (8 - _stream.Length % 8) % 8;
            _stream.Write(new byte[pad]);
            return _stream.ToArray();
        }

        /// <summary>Writes the strings into global heap collections; returns (collection address, object index) per string, in order.</summary>
        public Queue<(ulong, uint)> WriteGlobalHeaps(List<byte[]> strings)
        {
            var refs = new Queue<(ulong, uint)>();
            int start = 0;
            while (start < strings.Count)
            {
                int n = 0;
                long size = 16;
                while (start + n < strings.Count && n < 60000 && size < (1 << 24))
                {
                    size += 16 + (strings[start + n].Length + 7) / 8 * 8;
                    n++;
                }
                long total = Math.Max(4096, size + 16);
                var c = new byte[total];
                "GCOL"u8.CopyTo(c);
                c[4] = 1;
                BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(8), (ulong)total);
                int p = 16;
                var indices = new List<uint>();
                for (int i = 0; i < n; i++)
                {
                    byte[] s = strings[start + i];
                    BinaryPrimitives.WriteUInt16LittleEndian(c.AsSpan(p), (ushort)(i + 1));
                    BinaryPrimitives.WriteUInt16LittleEndian(c.AsSpan(p + 2), 1); // reference count
                    BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(p + 8), (ulong)s.Length);
                    s.CopyTo(c, p + 16);
                    p += 16 + (s.Length + 7) / 8 * 8;
                    indices.Add((uint)(i + 1));
                }
                // Free space: object 0 covering the rest of the collection.
                BinaryPrimitives.WriteUInt16LittleEndian(c.AsSpan(p), 0);
                BinaryPrimitives.WriteUInt64LittleEndian(c.AsSpan(p + 8), (ulong)(total - p));
                ulong address = Append(c);
                foreach (uint index in indices)
                {
                    refs.Enqueue((address, index));
                }
                start += n;
            }
            return refs;
        }
    }
}
