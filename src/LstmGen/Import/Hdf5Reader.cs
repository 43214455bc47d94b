using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;

namespace LstmGen.Import;

// A small, managed, read-only HDF5 reader for the subset that Keras, tf.keras and h5py write (no reflection, so it is
// trimming- and NativeAOT-safe). Written from the HDF5 File Format Specification 3.0.
//
// Covered: superblock versions 0-3; object headers v1 and v2 (with continuation blocks); old-style groups (symbol table:
// v1 B-tree + local heap + symbol nodes) and new-style compact groups (link messages); datasets with compact,
// contiguous or chunked (v1 B-tree index) layout, filters deflate, shuffle and fletcher32; attributes (message versions
// 1-3) holding numbers, fixed-length strings or variable-length strings (global heap).
// Not covered (each a KerasFormatException naming it): dense link or attribute storage (fractal heaps, v2 B-trees),
// v4 chunk indexes other than single-chunk and implicit, shared/committed datatypes, external or soft links, other filters.
//
// The whole file is held in memory; every structure is bounds-checked, so a truncated or damaged file is an exception
// that names the object and the byte offset, never an IndexOutOfRangeException or a partial result.

/// <summary>The element type of an HDF5 dataset or attribute, as far as the import needs to know it.</summary>
internal sealed class Hdf5DataType
{
    public int Class { get; init; }             // 0 fixed-point, 1 float, 3 string, 9 variable-length, others unsupported
    public int Size { get; init; }              // bytes per element
    public bool BigEndian { get; init; }
    public bool Signed { get; init; }
    public int MantissaBits { get; init; }
    public int ExponentBits { get; init; }
    public bool IsVariableLengthString { get; init; }
    public int StringPadding { get; init; }     // 0 null-terminated, 1 null-padded, 2 space-padded

    /// <summary>numpy's name for the type: float32, float64, float16, bfloat16, int32, uint8, string, vlen-string, ...</summary>
    public string Name => Class switch
    {
        0 => (Signed ? "int" : "uint") + (8 * Size).ToString(System.Globalization.CultureInfo.InvariantCulture),
        1 => (Size, MantissaBits, ExponentBits) switch
        {
            (4, 23, 8) => "float32",
            (8, 52, 11) => "float64",
            (2, 10, 5) => "float16",
            (2, 7, 8) => "bfloat16",
            _ => $"float (size {Size}, mantissa {MantissaBits} bits, exponent {ExponentBits} bits)",
        },
        2 => "time",
        3 => $"fixed-length string (S{Size})",
        4 => "bitfield",
        5 => "opaque",
        6 => "compound",
        7 => "reference",
        8 => "enum",
        9 => IsVariableLengthString ? "variable-length string" : "variable-length sequence",
        10 => "array",
        _ => $"HDF5 datatype class {Class}",
    };

    public bool IsFloat32 => Class == 1 && Size == 4 && MantissaBits == 23 && ExponentBits == 8;
    public bool IsFloat64 => Class == 1 && Size == 8 && MantissaBits == 52 && ExponentBits == 11;
    public bool IsString => Class == 3 || IsVariableLengthString;
}

/// <summary>An object of the file (group or dataset), with its attributes.</summary>
internal abstract class Hdf5Object
{
    private protected Hdf5Object(Hdf5File file, string path, List<Hdf5File.Message> messages)
    {
        File = file;
        Path = path;
        Messages = messages;
    }

    public Hdf5File File { get; }

    /// <summary>The absolute path, e.g. /model_weights/lstm.</summary>
    public string Path { get; }

    internal List<Hdf5File.Message> Messages { get; }

    private Dictionary<string, Hdf5Attribute>? _attributes;

    public IReadOnlyDictionary<string, Hdf5Attribute> Attributes => _attributes ??= File.ReadAttributes(this);

    public Hdf5Attribute? Attribute(string name) => Attributes.TryGetValue(name, out Hdf5Attribute? a) ? a : null;
}

/// <summary>A group: named links to other objects.</summary>
internal sealed class Hdf5Group : Hdf5Object
{
    private readonly List<(string Name, ulong Address)> _links;
    private readonly Dictionary<string, Hdf5Object> _cache = new(StringComparer.Ordinal);

    internal Hdf5Group(Hdf5File file, string path, List<Hdf5File.Message> messages, List<(string, ulong)> links)
        : base(file, path, messages) => _links = links;

    /// <summary>The names of the links, in the file's order (alphabetical for old-style groups).</summary>
    public IEnumerable<string> Names => _links.Select(l => l.Name);

    public bool Contains(string name) => _links.Any(l => l.Name == name);

    /// <summary>The object a link names, or null when there is no such link.</summary>
    public Hdf5Object? Get(string name)
    {
        if (_cache.TryGetValue(name, out Hdf5Object? o))
        {
            return o;
        }
        foreach ((string n, ulong address) in _links)
        {
            if (n == name)
            {
                o = File.OpenObject(address, Path == "/" ? "/" + name : Path + "/" + name);
                _cache[name] = o;
                return o;
            }
        }
        return null;
    }

    /// <summary>Follows a relative path of links (a/b/c), or returns null when a link is missing.</summary>
    public Hdf5Object? GetPath(string relative)
    {
        Hdf5Object current = this;
        foreach (string part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current is not Hdf5Group g)
            {
                return null;
            }
            Hdf5Object? next = g.Get(part);
            if (next is null)
            {
                return null;
            }
            current = next;
        }
        return current;
    }

    public Hdf5Group? Group(string relative) => GetPath(relative) as Hdf5Group;
}

/// <summary>A dataset: a shape, an element type and the data.</summary>
internal sealed class Hdf5Dataset : Hdf5Object
{
    internal Hdf5Dataset(Hdf5File file, string path, List<Hdf5File.Message> messages, long[] shape, Hdf5DataType type)
        : base(file, path, messages)
    {
        Shape = shape;
        Type = type;
    }

    public long[] Shape { get; }

    public Hdf5DataType Type { get; }

    public long ElementCount => Hdf5File.Count(Shape) ?? throw File.Fail(Path, -1, $"the dataset's shape ({string.Join(", ", Shape)}) has too many elements");

    /// <summary>The raw element bytes in row-major order (file byte order), after filters.</summary>
    public byte[] ReadRaw() => File.ReadDatasetBytes(this);
}

/// <summary>An attribute: a name, a shape, an element type and the raw value.</summary>
internal sealed class Hdf5Attribute
{
    internal Hdf5Attribute(Hdf5File file, string ownerPath, string name, Hdf5DataType type, long[]? shape, int dataOffset, int dataLength)
    {
        File = file;
        OwnerPath = ownerPath;
        Name = name;
        Type = type;
        Shape = shape;
        DataOffset = dataOffset;
        DataLength = dataLength;
    }

    public Hdf5File File { get; }
    public string OwnerPath { get; }
    public string Name { get; }
    public Hdf5DataType Type { get; }

    /// <summary>The shape; empty for a scalar; null for a null dataspace.</summary>
    public long[]? Shape { get; }

    internal int DataOffset { get; }
    internal int DataLength { get; }

    public long ElementCount => Shape is null ? 0 : Hdf5File.Count(Shape) ?? 0;

    public string Where => $"attribute '{Name}' of {OwnerPath}";

    /// <summary>The value as strings (a scalar gives one). An empty array of any type gives none.</summary>
    public string[] ReadStrings() => File.ReadAttributeStrings(this);
}

/// <summary>An HDF5 file held in memory.</summary>
internal sealed class Hdf5File
{
    internal static ReadOnlySpan<byte> Signature => [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    private const ulong Undefined = ulong.MaxValue;
    private const int MaxDepth = 64;

    private readonly byte[] _data;
    private readonly int _offsetSize;
    private readonly int _lengthSize;
    private readonly ulong _baseAddress;
    private readonly Dictionary<ulong, Dictionary<int, (int Offset, int Length)>> _globalHeaps = new();
    private readonly int _nodesBudgetStart = 1_000_000;
    private int _nodesBudget;

    /// <summary>The name used in messages: the file name, or e.g. "model.keras:model.weights.h5".</summary>
    public string Source { get; }

    /// <summary>The file name for <see cref="KerasFormatException.FileName"/>.</summary>
    public string? FileName { get; }

    public int SuperblockVersion { get; }

    public Hdf5Group Root { get; }

    private Hdf5File(byte[] data, string source, string? fileName)
    {
        _data = data;
        Source = source;
        FileName = fileName;
        _nodesBudget = _nodesBudgetStart;
        if (data.Length < 8 || !data.AsSpan(0, 8).SequenceEqual(Signature))
        {
            throw Fail("/", 0, "it does not start with the HDF5 signature \\x89HDF\\r\\n\\x1a\\n");
        }
        if (data.Length < 12)
        {
            throw Truncated("/", 0, "the superblock");
        }
        SuperblockVersion = data[8];
        ulong rootAddress;
        ulong eof;
        int pos;
        switch (SuperblockVersion)
        {
            case 0:
            case 1:
                Need(0, 24, "/", "the superblock");
                _offsetSize = data[13];
                _lengthSize = data[14];
                CheckSizes();
                pos = SuperblockVersion == 0 ? 24 : 28;
                Need(pos, 4 * _offsetSize + 2 * _offsetSize + 8 + 16, "/", "the superblock");
                _baseAddress = ReadOffset(ref pos);
                ReadOffset(ref pos); // free-space info
                eof = ReadOffset(ref pos);
                ReadOffset(ref pos); // driver info
                ReadOffset(ref pos); // root entry: link name offset
                rootAddress = ReadOffset(ref pos);
                break;
            case 2:
            case 3:
                _offsetSize = data[9];
                _lengthSize = data[10];
                CheckSizes();
                pos = 12;
                Need(pos, 4 * _offsetSize + 4, "/", "the superblock");
                _baseAddress = ReadOffset(ref pos);
                ReadOffset(ref pos); // superblock extension
                eof = ReadOffset(ref pos);
                rootAddress = ReadOffset(ref pos);
                break;
            default:
                throw Fail("/", 8, $"superblock version {SuperblockVersion} is not supported (versions 0 to 3 are)");
        }
        if (_baseAddress != 0)
        {
            throw Fail("/", 8, $"the base address is {_baseAddress}, not 0 (files with a user block are not supported)");
        }
        if (eof != Undefined && eof > (ulong)data.LongLength)
        {
            throw new KerasFormatException(
                $"{Source} is truncated: its HDF5 superblock says the file is {eof} bytes long, but it has {data.LongLength}.", FileName, "/");
        }
        Root = OpenObject(rootAddress, "/") as Hdf5Group
            ?? throw Fail("/", (long)rootAddress, "the root object is not a group");
    }

    /// <summary>The number of elements of a shape, or null when it overflows.</summary>
    internal static long? Count(long[] shape)
    {
        long n = 1;
        foreach (long d in shape)
        {
            if (d < 0 || (d != 0 && n > long.MaxValue / d))
            {
                return null;
            }
            n *= d;
        }
        return n;
    }

    /// <summary>Opens an HDF5 file from its bytes. Throws <see cref="KerasFormatException"/> when it is not one.</summary>
    public static Hdf5File Open(byte[] data, string source, string? fileName) => new(data, source, fileName);

    private void CheckSizes()
    {
        if (_offsetSize is not (2 or 4 or 8) || _lengthSize is not (2 or 4 or 8))
        {
            throw Fail("/", 13, $"sizes of offsets {_offsetSize} and lengths {_lengthSize} are not 2, 4 or 8");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Errors and primitive reads
    // ------------------------------------------------------------------------------------------------------------

    internal KerasFormatException Fail(string where, long offset, string what) =>
        new($"{Source} is not a readable HDF5 file: {what} (at {where}, byte {offset}).", FileName, where);

    private KerasFormatException Truncated(string where, long offset, string what) =>
        new($"{Source} is truncated or damaged: {what} at byte {offset} (for {where}) lies beyond the end of the file ({_data.Length} bytes).",
            FileName, where);

    private void Need(long offset, long length, string where, string what)
    {
        if (offset < 0 || length < 0 || offset > _data.Length || length > _data.Length - offset)
        {
            throw Truncated(where, offset, what);
        }
    }

    private ulong ReadOffset(ref int pos) => ReadSized(ref pos, _offsetSize);

    private ulong ReadLength(ref int pos) => ReadSized(ref pos, _lengthSize);

    private ulong ReadSized(ref int pos, int size)
    {
        ulong v = size switch
        {
            2 => BinaryPrimitives.ReadUInt16LittleEndian(_data.AsSpan(pos)),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(pos)),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(pos)),
        };
        bool allOnes = size switch { 2 => v == 0xFFFF, 4 => v == 0xFFFF_FFFF, _ => v == ulong.MaxValue };
        pos += size;
        return allOnes ? Undefined : v;
    }

    private int Address(ulong address, long length, string where, string what)
    {
        if (address == Undefined || address > int.MaxValue)
        {
            throw Fail(where, -1, $"{what} has address {(address == Undefined ? "undefined" : address.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        }
        Need((long)address, length, where, what);
        return (int)address;
    }

    private static ushort U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);

    private static uint U32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);

    private ulong Sized(ReadOnlySpan<byte> s, int at, int size)
    {
        if (at < 0 || at + size > s.Length)
        {
            return Undefined;
        }
        ulong v = size switch
        {
            1 => s[at],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(s[at..]),
        };
        bool allOnes = size switch { 1 => v == 0xFF, 2 => v == 0xFFFF, 4 => v == 0xFFFF_FFFF, _ => v == ulong.MaxValue };
        return allOnes && size == _offsetSize ? Undefined : v;
    }

    private void Spend(string where)
    {
        if (--_nodesBudget < 0)
        {
            throw Fail(where, -1, "the file's structures form a cycle or are implausibly large");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Object headers
    // ------------------------------------------------------------------------------------------------------------

    internal readonly record struct Message(int Type, int Flags, int Offset, int Length);

    internal Hdf5Object OpenObject(ulong address, string path)
    {
        List<Message> messages = ReadObjectHeader(address, path);
        foreach (Message m in messages)
        {
            if ((m.Flags & 0x02) != 0 && m.Type is 0x01 or 0x03 or 0x05 or 0x0B)
            {
                throw Fail(path, m.Offset, $"the object uses a shared (committed) message of type {m.Type}, which is not supported");
            }
        }
        if (messages.Any(m => m.Type == 0x08))
        {
            return OpenDataset(path, messages);
        }
        var links = new List<(string, ulong)>();
        bool isGroup = false;
        foreach (Message m in messages)
        {
            switch (m.Type)
            {
                case 0x11: // symbol table
                {
                    isGroup = true;
                    Need(m.Offset, 2 * _offsetSize, path, "the symbol table message");
                    int p = m.Offset;
                    ulong btree = ReadOffset(ref p);
                    ulong heap = ReadOffset(ref p);
                    ReadSymbolTable(btree, heap, path, links);
                    break;
                }
                case 0x02: // link info
                {
                    isGroup = true;
                    ReadOnlySpan<byte> s = _data.AsSpan(m.Offset, m.Length);
                    if (s.Length < 2 + _offsetSize)
                    {
                        throw Fail(path, m.Offset, "the link info message is too short");
                    }
                    int at = 2 + ((s[1] & 1) != 0 ? 8 : 0);
                    if (Sized(s, at, _offsetSize) != Undefined)
                    {
                        throw Fail(path, m.Offset, "the group keeps its links in dense storage (a fractal heap), which is not supported; re-save it with h5py's default settings");
                    }
                    break;
                }
                case 0x06: // link
                    isGroup = true;
                    links.Add(ReadLinkMessage(m, path));
                    break;
            }
        }
        if (!isGroup)
        {
            throw Fail(path, (long)address, "the object is neither a group nor a dataset (no symbol table, link or data layout message)");
        }
        return new Hdf5Group(this, path, messages, links);
    }

    private List<Message> ReadObjectHeader(ulong address, string path)
    {
        int start = Address(address, 16, path, "the object header");
        var messages = new List<Message>();
        var chunks = new Queue<(int Start, int Length, bool First)>();
        var seen = new HashSet<int>();
        int version;
        if (_data[start] == 1)
        {
            version = 1;
            int count = U16(_data, start + 2);
            int size = (int)U32(_data, start + 8);
            Need(start + 16, size, path, "the object header");
            chunks.Enqueue((start + 16, size, true));
            while (chunks.Count > 0)
            {
                (int cs, int cl, _) = chunks.Dequeue();
                if (!seen.Add(cs))
                {
                    throw Fail(path, cs, "the object header's continuation blocks form a cycle");
                }
                int p = cs;
                while (p + 8 <= cs + cl)
                {
                    Spend(path);
                    int type = U16(_data, p);
                    int len = U16(_data, p + 2);
                    int flags = _data[p + 4];
                    p += 8;
                    if (p + len > cs + cl)
                    {
                        throw Fail(path, p, $"a message of type {type} ({len} bytes) runs past the end of its header block");
                    }
                    AddMessage(type, flags, p, len, path, messages, chunks);
                    p += len;
                }
                _ = count;
            }
        }
        else if (_data.AsSpan(start, 4).SequenceEqual("OHDR"u8))
        {
            version = 2;
            Need(start, 6, path, "the object header");
            int flags = _data[start + 5];
            int p = start + 6;
            if ((flags & 0x20) != 0) p += 16;
            if ((flags & 0x10) != 0) p += 4;
            int sizeBytes = 1 << (flags & 3);
            Need(p, sizeBytes, path, "the object header");
            long chunk0 = (long)Sized(_data, p, sizeBytes);
            p += sizeBytes;
            Need(p, chunk0 + 4, path, "the object header");
            bool creationOrder = (flags & 0x04) != 0;
            ReadV2Chunk(p, (int)chunk0, creationOrder, path, messages, chunks);
            while (chunks.Count > 0)
            {
                (int cs, int cl, _) = chunks.Dequeue();
                if (!seen.Add(cs))
                {
                    throw Fail(path, cs, "the object header's continuation blocks form a cycle");
                }
                if (cl < 8 || !_data.AsSpan(cs, 4).SequenceEqual("OCHK"u8))
                {
                    throw Fail(path, cs, "an object header continuation block has no OCHK signature");
                }
                ReadV2Chunk(cs + 4, cl - 8, creationOrder, path, messages, chunks);
            }
        }
        else
        {
            throw Fail(path, start, $"no object header here (version byte {_data[start]})");
        }
        _ = version;
        return messages;
    }

    private void ReadV2Chunk(int start, int length, bool creationOrder, string path, List<Message> messages, Queue<(int, int, bool)> chunks)
    {
        int header = creationOrder ? 6 : 4;
        int p = start;
        while (p + header <= start + length)
        {
            Spend(path);
            int type = _data[p];
            int len = U16(_data, p + 1);
            int flags = _data[p + 3];
            p += header;
            if (p + len > start + length)
            {
                throw Fail(path, p, $"a message of type {type} ({len} bytes) runs past the end of its header block");
            }
            AddMessage(type, flags, p, len, path, messages, chunks);
            p += len;
        }
    }

    private void AddMessage(int type, int flags, int offset, int length, string path, List<Message> messages, Queue<(int, int, bool)> chunks)
    {
        if (type == 0x10)
        {
            int p = offset;
            Need(p, _offsetSize + _lengthSize, path, "a continuation message");
            ulong a = ReadOffset(ref p);
            ulong l = ReadLength(ref p);
            int cs = Address(a, (long)l, path, "an object header continuation block");
            chunks.Enqueue((cs, (int)l, false));
            return;
        }
        if (type != 0)
        {
            messages.Add(new Message(type, flags, offset, length));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Groups
    // ------------------------------------------------------------------------------------------------------------

    private void ReadSymbolTable(ulong btree, ulong heap, string path, List<(string, ulong)> links)
    {
        int h = Address(heap, 8 + 2 * _lengthSize + _offsetSize, path, "the group's local heap");
        if (!_data.AsSpan(h, 4).SequenceEqual("HEAP"u8))
        {
            throw Fail(path, h, "the group's local heap has no HEAP signature");
        }
        int p = h + 8;
        ulong heapSize = ReadLength(ref p);
        ReadLength(ref p);
        ulong heapData = ReadOffset(ref p);
        int heapStart = Address(heapData, (long)heapSize, path, "the group's local heap data");
        ReadGroupBTree(btree, path, links, heapStart, (int)heapSize, 0);
    }

    private void ReadGroupBTree(ulong address, string path, List<(string, ulong)> links, int heapStart, int heapSize, int depth)
    {
        Spend(path);
        if (depth > MaxDepth)
        {
            throw Fail(path, (long)address, "the group's B-tree is too deep (a cycle?)");
        }
        int n = Address(address, 8 + 2 * _offsetSize, path, "a group B-tree node");
        if (!_data.AsSpan(n, 4).SequenceEqual("TREE"u8) || _data[n + 4] != 0)
        {
            throw Fail(path, n, "a group B-tree node has no TREE signature or is not a group node");
        }
        int level = _data[n + 5];
        int entries = U16(_data, n + 6);
        int p = n + 8 + 2 * _offsetSize;
        Need(p, (long)entries * (_lengthSize + _offsetSize) + _lengthSize, path, "a group B-tree node");
        for (int i = 0; i < entries; i++)
        {
            ReadLength(ref p); // key
            ulong child = ReadOffset(ref p);
            if (level > 0)
            {
                ReadGroupBTree(child, path, links, heapStart, heapSize, depth + 1);
            }
            else
            {
                ReadSymbolNode(child, path, links, heapStart, heapSize);
            }
        }
    }

    private void ReadSymbolNode(ulong address, string path, List<(string, ulong)> links, int heapStart, int heapSize)
    {
        Spend(path);
        int n = Address(address, 8, path, "a symbol table node");
        if (!_data.AsSpan(n, 4).SequenceEqual("SNOD"u8))
        {
            throw Fail(path, n, "a symbol table node has no SNOD signature");
        }
        int count = U16(_data, n + 6);
        int entrySize = 2 * _offsetSize + 24;
        Need(n + 8, (long)count * entrySize, path, "a symbol table node");
        int p = n + 8;
        for (int i = 0; i < count; i++)
        {
            int e = p;
            ulong nameOffset = ReadOffset(ref e);
            ulong header = ReadOffset(ref e);
            if (nameOffset >= (ulong)heapSize)
            {
                throw Fail(path, p, $"a link name offset {nameOffset} lies outside the local heap ({heapSize} bytes)");
            }
            ReadOnlySpan<byte> rest = _data.AsSpan(heapStart + (int)nameOffset, heapSize - (int)nameOffset);
            int end = rest.IndexOf((byte)0);
            if (end < 0)
            {
                throw Fail(path, p, "a link name in the local heap is not null-terminated");
            }
            links.Add((Encoding.UTF8.GetString(rest[..end]), header));
            p += entrySize;
        }
    }

    private (string, ulong) ReadLinkMessage(Message m, string path)
    {
        ReadOnlySpan<byte> s = _data.AsSpan(m.Offset, m.Length);
        try
        {
            int flags = s[1];
            int p = 2;
            int linkType = 0;
            if ((flags & 0x08) != 0) linkType = s[p++];
            if ((flags & 0x04) != 0) p += 8;
            if ((flags & 0x10) != 0) p++;
            int lenSize = 1 << (flags & 3);
            int nameLength = (int)Sized(s, p, lenSize);
            p += lenSize;
            string name = Encoding.UTF8.GetString(s.Slice(p, nameLength));
            p += nameLength;
            if (linkType != 0)
            {
                throw Fail(path + "/" + name, m.Offset, $"the link is a {(linkType == 1 ? "soft" : "external")} link, which is not supported");
            }
            ulong target = Sized(s, p, _offsetSize);
            if (p + _offsetSize > s.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(m));
            }
            return (name, target);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw Fail(path, m.Offset, "a link message is too short");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Dataspace, datatype
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>Parses a dataspace message; returns null for a null dataspace, empty for a scalar.</summary>
    private long[]? ParseDataspace(ReadOnlySpan<byte> s, string where, long offset)
    {
        if (s.Length < 8 && !(s.Length >= 4 && s[0] == 2))
        {
            throw Fail(where, offset, "the dataspace message is too short");
        }
        int version = s[0];
        int rank = s[1];
        int p;
        bool isNull = false;
        if (version == 1)
        {
            p = 8;
        }
        else if (version == 2)
        {
            isNull = s[3] == 2;
            p = 4;
        }
        else
        {
            throw Fail(where, offset, $"dataspace message version {version} is not supported");
        }
        if (s.Length < p + rank * _lengthSize)
        {
            throw Fail(where, offset, "the dataspace message is too short for its rank");
        }
        var dims = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            ulong d = Sized(s, p + i * _lengthSize, _lengthSize);
            if (d > int.MaxValue)
            {
                throw Fail(where, offset, $"dimension {i} is {d}, too large");
            }
            dims[i] = (long)d;
        }
        return isNull ? null : dims;
    }

    private Hdf5DataType ParseDatatype(ReadOnlySpan<byte> s, string where, long offset, int depth = 0)
    {
        if (s.Length < 8)
        {
            throw Fail(where, offset, "the datatype message is too short");
        }
        int cls = s[0] & 0x0F;
        int b0 = s[1], b1 = s[2];
        int size = (int)U32(s, 4);
        switch (cls)
        {
            case 0:
                return new Hdf5DataType { Class = 0, Size = size, BigEndian = (b0 & 1) != 0, Signed = (b0 & 8) != 0 };
            case 1:
                if (s.Length < 20)
                {
                    throw Fail(where, offset, "the floating-point datatype message is too short");
                }
                return new Hdf5DataType
                {
                    Class = 1, Size = size, BigEndian = (b0 & 1) != 0,
                    ExponentBits = s[13], MantissaBits = s[15],
                };
            case 3:
                return new Hdf5DataType { Class = 3, Size = size, StringPadding = b0 & 0x0F };
            case 9:
            {
                bool isString = (b0 & 0x0F) == 1;
                if (!isString && depth < 4 && s.Length > 8)
                {
                    // A sequence of 1-byte characters (some writers) is read as a string too.
                    Hdf5DataType baseType = ParseDatatype(s[8..], where, offset + 8, depth + 1);
                    isString = baseType.Class is 0 or 3 && baseType.Size == 1;
                }
                return new Hdf5DataType { Class = 9, Size = size, IsVariableLengthString = isString };
            }
            default:
                return new Hdf5DataType { Class = cls, Size = size };
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Datasets
    // ------------------------------------------------------------------------------------------------------------

    private Hdf5Dataset OpenDataset(string path, List<Message> messages)
    {
        Message space = messages.FirstOrDefault(m => m.Type == 0x01);
        Message type = messages.FirstOrDefault(m => m.Type == 0x03);
        if (space.Type == 0 || type.Type == 0)
        {
            throw Fail(path, -1, "the dataset has no dataspace or no datatype message");
        }
        long[] shape = ParseDataspace(_data.AsSpan(space.Offset, space.Length), path, space.Offset) ?? [0];
        Hdf5DataType dt = ParseDatatype(_data.AsSpan(type.Offset, type.Length), path, type.Offset);
        return new Hdf5Dataset(this, path, messages, shape, dt);
    }

    internal byte[] ReadDatasetBytes(Hdf5Dataset ds)
    {
        string path = ds.Path;
        long count = ds.ElementCount;
        int elem = ds.Type.Size;
        if (elem <= 0 || count > Array.MaxLength / elem)
        {
            throw Fail(path, -1, $"the dataset is too large ({count} elements of {elem} bytes)");
        }
        Message layout = ds.Messages.First(m => m.Type == 0x08);
        ReadOnlySpan<byte> s = _data.AsSpan(layout.Offset, layout.Length);
        if (s.Length < 2)
        {
            throw Fail(path, layout.Offset, "the data layout message is too short");
        }
        int version = s[0];
        if (version is not (3 or 4))
        {
            throw Fail(path, layout.Offset, $"data layout message version {version} is not supported (3 and 4 are)");
        }
        long total = count * elem;
        int cls = s[1];
        if (cls == 2 && total > 64L * _data.Length + (1 << 24))
        {
            throw Fail(path, layout.Offset, $"the chunked dataset claims {total} bytes, implausibly many for a {_data.Length}-byte file");
        }
        switch (cls)
        {
            case 0: // compact
            {
                int size = s.Length >= 4 ? U16(s, 2) : -1;
                if (size < 0 || 4 + size > s.Length || size < total)
                {
                    throw Fail(path, layout.Offset, $"the compact data holds {size} bytes, the dataset needs {total}");
                }
                return s.Slice(4, (int)total).ToArray();
            }
            case 1: // contiguous
            {
                if (s.Length < 2 + _offsetSize + _lengthSize)
                {
                    throw Fail(path, layout.Offset, "the data layout message is too short");
                }
                ulong address = Sized(s, 2, _offsetSize);
                ulong size = Sized(s, 2 + _offsetSize, _lengthSize);
                if (address == Undefined)
                {
                    if (total > _data.Length)
                    {
                        throw Fail(path, layout.Offset, $"the unwritten dataset claims {total} bytes, more than the file");
                    }
                    return new byte[total]; // never written: the fill value (zero)
                }
                if (size < (ulong)total)
                {
                    throw Fail(path, layout.Offset, $"the contiguous data is {size} bytes, the dataset needs {total}");
                }
                int at = Address(address, total, path, "the dataset's data");
                return _data.AsSpan(at, (int)total).ToArray();
            }
            case 2: // chunked
            {
                var result = new byte[total];
                ReadChunked(ds, s, layout.Offset, version, result);
                return result;
            }
            default:
                throw Fail(path, layout.Offset, $"data layout class {cls} (virtual) is not supported");
        }
    }

    private List<(int Id, uint[] Values)> ReadFilters(Hdf5Dataset ds)
    {
        var filters = new List<(int, uint[])>();
        Message m = ds.Messages.FirstOrDefault(x => x.Type == 0x0B);
        if (m.Type == 0)
        {
            return filters;
        }
        ReadOnlySpan<byte> s = _data.AsSpan(m.Offset, m.Length);
        try
        {
            int version = s[0];
            int n = s[1];
            int p = version == 1 ? 8 : 2;
            for (int i = 0; i < n; i++)
            {
                int id = U16(s, p);
                int nameLength = version == 1 || id >= 256 ? U16(s, p + 2) : 0;
                int q = version == 1 || id >= 256 ? p + 4 : p + 2;
                int nValues = U16(s, q + 2);
                q += 4;
                q += version == 1 ? (nameLength + 7) / 8 * 8 : nameLength;
                var values = new uint[nValues];
                for (int k = 0; k < nValues; k++)
                {
                    values[k] = U32(s, q + 4 * k);
                }
                q += 4 * nValues;
                if (version == 1 && nValues % 2 == 1) q += 4;
                filters.Add((id, values));
                p = q;
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            throw Fail(ds.Path, m.Offset, "the filter pipeline message is too short");
        }
        foreach ((int id, _) in filters)
        {
            if (id is not (1 or 2 or 3))
            {
                throw Fail(ds.Path, m.Offset, $"the dataset uses HDF5 filter {id}{(id == 32001 ? " (blosc)" : id == 32004 ? " (lz4)" : id == 4 ? " (szip)" : "")}, which is not supported (deflate, shuffle and fletcher32 are)");
            }
        }
        return filters;
    }

    private void ReadChunked(Hdf5Dataset ds, ReadOnlySpan<byte> s, int layoutOffset, int version, byte[] result)
    {
        string path = ds.Path;
        int rank = ds.Shape.Length;
        int elem = ds.Type.Size;
        var chunkDims = new long[rank];
        List<(int Id, uint[] Values)> filters = ReadFilters(ds);
        if (version == 3)
        {
            int dimensionality = s[2];
            if (dimensionality != rank + 1 || s.Length < 3 + _offsetSize + 4 * dimensionality)
            {
                throw Fail(path, layoutOffset, $"the chunked layout has {dimensionality} dimensions for a rank-{rank} dataset");
            }
            ulong btree = Sized(s, 3, _offsetSize);
            for (int i = 0; i < rank; i++)
            {
                chunkDims[i] = U32(s, 3 + _offsetSize + 4 * i);
            }
            CheckChunkDims(ds, chunkDims, layoutOffset);
            if (btree == Undefined)
            {
                return;
            }
            ReadChunkBTree(ds, btree, chunkDims, filters, result, 0);
            return;
        }
        // Version 4: single chunk and implicit indexes.
        int flags = s[2];
        int dims = s[3];
        int encoded = s[4];
        int p = 5;
        if (dims != rank + 1 || s.Length < p + dims * encoded + 1)
        {
            throw Fail(path, layoutOffset, $"the chunked layout has {dims} dimensions for a rank-{rank} dataset");
        }
        for (int i = 0; i < rank; i++)
        {
            chunkDims[i] = encoded is 1 or 2 or 4 or 8 ? (long)Sized(s, p + i * encoded, encoded) : 0;
        }
        CheckChunkDims(ds, chunkDims, layoutOffset);
        p += dims * encoded;
        int index = s[p++];
        long chunkBytes = chunkDims.Aggregate(1L, (a, b) => a * b) * elem;
        if (index == 1) // single chunk
        {
            ulong size = (ulong)chunkBytes;
            uint mask = 0;
            if ((flags & 2) != 0)
            {
                size = Sized(s, p, _lengthSize);
                mask = U32(s, p + _lengthSize);
                p += _lengthSize + 4;
            }
            ulong address = Sized(s, p, _offsetSize);
            if (address == Undefined) return;
            int at = Address(address, (long)size, path, "the dataset's chunk");
            byte[] chunk = Decode(ds, _data.AsSpan(at, (int)size), filters, mask, chunkBytes);
            CopyChunk(chunk, new long[rank], chunkDims, ds.Shape, elem, result);
            return;
        }
        if (index == 2 && filters.Count == 0) // implicit: unfiltered chunks stored one after another
        {
            ulong address = Sized(s, p, _offsetSize);
            if (address == Undefined) return;
            var counts = new long[rank];
            long nChunks = 1;
            for (int i = 0; i < rank; i++)
            {
                counts[i] = (ds.Shape[i] + chunkDims[i] - 1) / chunkDims[i];
                nChunks *= counts[i];
            }
            int at = Address(address, nChunks * chunkBytes, path, "the dataset's chunks");
            var origin = new long[rank];
            for (long c = 0; c < nChunks; c++)
            {
                long rem = c;
                for (int i = rank - 1; i >= 0; i--)
                {
                    origin[i] = rem % counts[i] * chunkDims[i];
                    rem /= counts[i];
                }
                CopyChunk(_data.AsSpan(at + (int)(c * chunkBytes), (int)chunkBytes), origin, chunkDims, ds.Shape, elem, result);
            }
            return;
        }
        throw Fail(path, layoutOffset, $"chunk index type {index} of a version-4 chunked layout is not supported (single-chunk and unfiltered implicit are; h5py's default files use version 3)");
    }

    private void CheckChunkDims(Hdf5Dataset ds, long[] chunkDims, int layoutOffset)
    {
        long? count = Count(chunkDims);
        if (chunkDims.Any(d => d < 1 || d > int.MaxValue) || count is null || count * ds.Type.Size > Array.MaxLength)
        {
            throw Fail(ds.Path, layoutOffset, $"the chunk shape ({string.Join(", ", chunkDims)}) is not valid");
        }
    }

    private void ReadChunkBTree(Hdf5Dataset ds, ulong address, long[] chunkDims, List<(int, uint[])> filters, byte[] result, int depth)
    {
        string path = ds.Path;
        Spend(path);
        if (depth > MaxDepth)
        {
            throw Fail(path, (long)address, "the chunk B-tree is too deep (a cycle?)");
        }
        int rank = ds.Shape.Length;
        int n = Address(address, 8 + 2 * _offsetSize, path, "a chunk B-tree node");
        if (!_data.AsSpan(n, 4).SequenceEqual("TREE"u8) || _data[n + 4] != 1)
        {
            throw Fail(path, n, "a chunk B-tree node has no TREE signature or is not a chunk node");
        }
        int level = _data[n + 5];
        int entries = U16(_data, n + 6);
        int keySize = 8 + 8 * (rank + 1);
        int p = n + 8 + 2 * _offsetSize;
        Need(p, (long)entries * (keySize + _offsetSize) + keySize, path, "a chunk B-tree node");
        long chunkBytes = chunkDims.Aggregate(1L, (a, b) => a * b) * ds.Type.Size;
        for (int i = 0; i < entries; i++)
        {
            uint size = U32(_data, p);
            uint mask = U32(_data, p + 4);
            var origin = new long[rank];
            for (int d = 0; d < rank; d++)
            {
                origin[d] = (long)BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(p + 8 + 8 * d));
            }
            p += keySize;
            ulong child = ReadOffset(ref p);
            if (level > 0)
            {
                ReadChunkBTree(ds, child, chunkDims, filters, result, depth + 1);
            }
            else
            {
                for (int d = 0; d < rank; d++)
                {
                    if (origin[d] < 0 || origin[d] >= ds.Shape[d] || origin[d] % chunkDims[d] != 0)
                    {
                        throw Fail(path, p, $"a chunk's offset ({string.Join(", ", origin)}) does not fit the dataset's shape ({string.Join(", ", ds.Shape)})");
                    }
                }
                int at = Address(child, size, path, "a data chunk");
                byte[] chunk = Decode(ds, _data.AsSpan(at, (int)size), filters, mask, chunkBytes);
                CopyChunk(chunk, origin, chunkDims, ds.Shape, ds.Type.Size, result);
            }
        }
    }

    private byte[] Decode(Hdf5Dataset ds, ReadOnlySpan<byte> stored, List<(int Id, uint[] Values)> filters, uint mask, long expected)
    {
        byte[] data = stored.ToArray();
        for (int i = filters.Count - 1; i >= 0; i--)
        {
            if ((mask & (1u << i)) != 0)
            {
                continue;
            }
            (int id, uint[] values) = filters[i];
            switch (id)
            {
                case 1:
                    try
                    {
                        using var input = new MemoryStream(data);
                        using var z = new ZLibStream(input, CompressionMode.Decompress);
                        using var output = new MemoryStream();
                        z.CopyTo(output);
                        data = output.ToArray();
                    }
                    catch (InvalidDataException ex)
                    {
                        throw new KerasFormatException($"{Source} is damaged: a deflate-compressed chunk of {ds.Path} cannot be decompressed ({ex.Message}).", FileName, ds.Path, ex);
                    }
                    break;
                case 2:
                {
                    int size = values.Length > 0 ? (int)values[0] : ds.Type.Size;
                    if (size > 1)
                    {
                        int n = data.Length / size;
                        var un = new byte[data.Length];
                        for (int b = 0; b < size; b++)
                        {
                            for (int e = 0; e < n; e++)
                            {
                                un[e * size + b] = data[b * n + e];
                            }
                        }
                        Array.Copy(data, n * size, un, n * size, data.Length - n * size);
                        data = un;
                    }
                    break;
                }
                case 3:
                    if (data.Length < 4)
                    {
                        throw Fail(ds.Path, -1, "a fletcher32-checked chunk is shorter than its checksum");
                    }
                    data = data[..^4];
                    break;
            }
        }
        if (data.Length < expected)
        {
            throw Fail(ds.Path, -1, $"a chunk decodes to {data.Length} bytes, expected {expected}");
        }
        return data;
    }

    private static void CopyChunk(ReadOnlySpan<byte> chunk, long[] origin, long[] chunkDims, long[] shape, int elem, byte[] result)
    {
        int rank = shape.Length;
        if (rank == 0)
        {
            chunk[..elem].CopyTo(result);
            return;
        }
        // Iterate over the chunk's rows (all but the last dimension), copying the part inside the dataset.
        var idx = new long[rank - 1];
        long rowLength = Math.Min(chunkDims[rank - 1], shape[rank - 1] - origin[rank - 1]);
        if (rowLength <= 0) return;
        while (true)
        {
            bool inside = true;
            long src = 0, dst = 0;
            for (int d = 0; d < rank - 1; d++)
            {
                long g = origin[d] + idx[d];
                if (g >= shape[d]) { inside = false; break; }
                src = src * chunkDims[d] + idx[d];
                dst = dst * shape[d] + g;
            }
            if (inside)
            {
                src = src * chunkDims[rank - 1];
                dst = dst * shape[rank - 1] + origin[rank - 1];
                chunk.Slice((int)(src * elem), (int)(rowLength * elem)).CopyTo(result.AsSpan((int)(dst * elem)));
            }
            int k = rank - 2;
            while (k >= 0 && ++idx[k] >= chunkDims[k]) { idx[k] = 0; k--; }
            if (k < 0) break;
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Attributes
    // ------------------------------------------------------------------------------------------------------------

    internal Dictionary<string, Hdf5Attribute> ReadAttributes(Hdf5Object owner)
    {
        var result = new Dictionary<string, Hdf5Attribute>(StringComparer.Ordinal);
        foreach (Message m in owner.Messages)
        {
            if (m.Type == 0x15)
            {
                ReadOnlySpan<byte> info = _data.AsSpan(m.Offset, m.Length);
                int at = 2 + (info.Length > 1 && (info[1] & 1) != 0 ? 2 : 0);
                if (Sized(info, at, _offsetSize) != Undefined)
                {
                    throw Fail(owner.Path, m.Offset, "the object keeps attributes in dense storage (a fractal heap), which is not supported");
                }
                continue;
            }
            if (m.Type != 0x0C)
            {
                continue;
            }
            Hdf5Attribute a = ParseAttribute(owner.Path, m);
            result[a.Name] = a;
        }
        return result;
    }

    private Hdf5Attribute ParseAttribute(string owner, Message m)
    {
        ReadOnlySpan<byte> s = _data.AsSpan(m.Offset, m.Length);
        if (s.Length < 8)
        {
            throw Fail(owner, m.Offset, "an attribute message is too short");
        }
        int version = s[0];
        int flags = s[1];
        int nameSize = U16(s, 2), typeSize = U16(s, 4), spaceSize = U16(s, 6);
        int p = version == 3 ? 9 : 8;
        static int Pad(int n, int version) => version == 1 ? (n + 7) / 8 * 8 : n;
        if (version is < 1 or > 3)
        {
            throw Fail(owner, m.Offset, $"attribute message version {version} is not supported");
        }
        if ((flags & 3) != 0)
        {
            throw Fail(owner, m.Offset, "an attribute uses a shared datatype or dataspace, which is not supported");
        }
        if (p + Pad(nameSize, version) + Pad(typeSize, version) + Pad(spaceSize, version) > s.Length || nameSize < 1)
        {
            throw Fail(owner, m.Offset, "an attribute message is too short for its name, datatype and dataspace");
        }
        string name = Encoding.UTF8.GetString(s.Slice(p, nameSize - 1));
        p += Pad(nameSize, version);
        string where = $"attribute '{name}' of {owner}";
        Hdf5DataType type = ParseDatatype(s.Slice(p, typeSize), where, m.Offset + p);
        p += Pad(typeSize, version);
        long[]? shape = ParseDataspace(s.Slice(p, spaceSize), where, m.Offset + p);
        p += Pad(spaceSize, version);
        long count = shape is null ? 0 : Count(shape) ?? long.MaxValue;
        if (type.Size <= 0 && count > 0)
        {
            throw Fail(owner, m.Offset, $"{where} has an element size of {type.Size} bytes");
        }
        long bytes = count == 0 ? 0 : (count > long.MaxValue / type.Size ? long.MaxValue : count * type.Size);
        if (bytes > s.Length - p)
        {
            throw Fail(owner, m.Offset, $"{where} holds {s.Length - p} bytes of data, its shape and type need {bytes}");
        }
        return new Hdf5Attribute(this, owner, name, type, shape, m.Offset + p, (int)bytes);
    }

    internal string[] ReadAttributeStrings(Hdf5Attribute a)
    {
        long count = a.ElementCount;
        if (count == 0)
        {
            return [];
        }
        if (!a.Type.IsString)
        {
            throw Fail(a.OwnerPath, a.DataOffset, $"{a.Where} is of type {a.Type.Name}, not a string");
        }
        var result = new string[count];
        ReadOnlySpan<byte> s = _data.AsSpan(a.DataOffset, a.DataLength);
        int size = a.Type.Size;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> e = s.Slice(i * size, size);
            if (a.Type.Class == 3)
            {
                int end = a.Type.StringPadding == 2 ? e.TrimEnd((byte)' ').Length : e.IndexOf((byte)0);
                result[i] = Encoding.UTF8.GetString(end < 0 ? e : e[..end]);
            }
            else
            {
                if (size < 8 + _offsetSize)
                {
                    throw Fail(a.OwnerPath, a.DataOffset, $"{a.Where}: a variable-length string reference of {size} bytes is too short");
                }
                uint length = U32(e, 0);
                ulong heap = Sized(e, 4, _offsetSize);
                int index = (int)U32(e, 4 + _offsetSize);
                result[i] = length == 0 || heap == Undefined ? "" : ReadGlobalHeapString(heap, index, length, a.Where);
            }
        }
        return result;
    }

    private string ReadGlobalHeapString(ulong address, int index, uint length, string where)
    {
        if (!_globalHeaps.TryGetValue(address, out Dictionary<int, (int Offset, int Length)>? objects))
        {
            objects = ReadGlobalHeap(address, where);
            _globalHeaps[address] = objects;
        }
        if (!objects.TryGetValue(index, out (int Offset, int Length) o))
        {
            throw Fail(where, (long)address, $"object {index} is missing from the global heap collection");
        }
        ReadOnlySpan<byte> bytes = _data.AsSpan(o.Offset, (int)Math.Min((uint)o.Length, length));
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private Dictionary<int, (int, int)> ReadGlobalHeap(ulong address, string where)
    {
        int h = Address(address, 8 + _lengthSize, where, "a global heap collection");
        if (!_data.AsSpan(h, 4).SequenceEqual("GCOL"u8))
        {
            throw Fail(where, h, "a global heap collection has no GCOL signature");
        }
        int p = h + 8;
        ulong size = ReadLength(ref p);
        Need(h, (long)size, where, "a global heap collection");
        int end = h + (int)size;
        var objects = new Dictionary<int, (int, int)>();
        while (p + 8 + _lengthSize <= end)
        {
            Spend(where);
            int index = U16(_data, p);
            int q = p + 8;
            ulong length = ReadLength(ref q);
            if (index == 0)
            {
                break; // free space
            }
            if ((long)length > end - q)
            {
                throw Fail(where, p, $"global heap object {index} ({length} bytes) runs past its collection");
            }
            objects[index] = (q, (int)length);
            p = q + ((int)length + 7) / 8 * 8;
        }
        return objects;
    }
}
