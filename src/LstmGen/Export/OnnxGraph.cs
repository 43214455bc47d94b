using System;
using System.Collections.Generic;

namespace LstmGen.Export;

/// <summary>
/// An ONNX graph being built (nodes, initializers, inputs, outputs) and its serialisation as an ONNX ModelProto, with the
/// field numbers of onnx.proto (IR version 8, opset 17 of the default domain).
/// </summary>
internal sealed class OnnxGraph
{
    // TensorProto.DataType
    public const int Float = 1;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int Bool = 9;

    private readonly List<NodeEntry> _nodes = new();
    private readonly List<Initializer> _initializers = new();
    private readonly List<ValueInfo> _inputs = new();
    private readonly List<ValueInfo> _outputs = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>A value or node name not used yet: <paramref name="name"/>, or with a numeric suffix.</summary>
    public string Unique(string name)
    {
        if (_names.Add(name))
        {
            return name;
        }
        for (int i = 1; ; i++)
        {
            string candidate = $"{name}_{i}";
            if (_names.Add(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>Adds a graph input (its name is used as given).</summary>
    public void Input(string name, int elementType, object[] shape) => _inputs.Add(new ValueInfo(Reserve(name), elementType, shape));

    /// <summary>Declares a value computed by a node as a graph output.</summary>
    public void Output(string name, int elementType, object[] shape) => _outputs.Add(new ValueInfo(name, elementType, shape));

    /// <summary>A float initializer; returns its name.</summary>
    public string Weight(string name, int[] dims, float[] values)
    {
        string unique = Unique(name);
        _initializers.Add(new Initializer(unique, Float, Array.ConvertAll(dims, d => (long)d), values, null));
        return unique;
    }

    /// <summary>An int64 initializer (shapes, axes, indices); returns its name.</summary>
    public string Int64s(string name, params long[] values)
    {
        string unique = Unique(name);
        _initializers.Add(new Initializer(unique, Int64, new[] { (long)values.Length }, null, values));
        return unique;
    }

    /// <summary>A scalar int64 initializer (a Gather index that drops its axis).</summary>
    public string Int64Scalar(string name, long value)
    {
        string unique = Unique(name);
        _initializers.Add(new Initializer(unique, Int64, Array.Empty<long>(), null, new[] { value }));
        return unique;
    }

    /// <summary>A scalar float initializer.</summary>
    public string FloatScalar(string name, float value)
    {
        string unique = Unique(name);
        _initializers.Add(new Initializer(unique, Float, Array.Empty<long>(), new[] { value }, null));
        return unique;
    }

    /// <summary>
    /// Adds a node named <paramref name="name"/> (made unique) with outputs named after it; an empty output name in
    /// <paramref name="outputs"/> leaves that optional output out. Returns the output names.
    /// </summary>
    public string[] Node(string opType, string name, string[] inputs, string[] outputs, IReadOnlyList<Attribute>? attributes = null, string? doc = null)
    {
        string nodeName = Unique(name);
        var names = new string[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            names[i] = outputs[i].Length == 0 ? "" : Unique(outputs[i]);
        }
        _nodes.Add(new NodeEntry(opType, nodeName, inputs, names, attributes ?? Array.Empty<Attribute>(), doc));
        return names;
    }

    /// <summary>A node with one output, named <c>{name}/{opType}</c> with output <c>{name}/{opType}_output</c>.</summary>
    public string Op(string opType, string scope, string[] inputs, params Attribute[] attributes) =>
        Node(opType, $"{scope}/{opType}", inputs, new[] { $"{scope}/{opType}_output" }, attributes)[0];

    private string Reserve(string name)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"The ONNX name '{name}' is used twice.");
        }
        return name;
    }

    /// <summary>The ModelProto bytes.</summary>
    public byte[] Serialize(string graphName, string producerVersion, string docString, IReadOnlyList<KeyValuePair<string, string>> metadata, int opset)
    {
        var model = new ProtoWriter(1 << 16);
        model.Int64(1, 8); // ir_version: IR 8 goes with opset 17 (ONNX 1.12)
        model.String(2, "LstmGen");
        model.String(3, producerVersion);
        model.String(6, docString);
        model.Message(7, this, (w, g) => g.WriteGraph(w, graphName));
        model.Message(8, opset, (w, v) =>
        {
            w.String(1, "");
            w.Int64(2, v);
        });
        foreach (var entry in metadata)
        {
            model.Message(14, entry, (w, e) =>
            {
                w.String(1, e.Key);
                w.String(2, e.Value);
            });
        }
        return model.Written.ToArray();
    }

    private void WriteGraph(ProtoWriter w, string graphName)
    {
        foreach (NodeEntry node in _nodes)
        {
            w.Message(1, node, WriteNode);
        }
        w.String(2, graphName);
        foreach (Initializer init in _initializers)
        {
            w.Message(5, init, WriteTensor);
        }
        foreach (ValueInfo input in _inputs)
        {
            w.Message(11, input, WriteValueInfo);
        }
        foreach (ValueInfo output in _outputs)
        {
            w.Message(12, output, WriteValueInfo);
        }
    }

    private static void WriteNode(ProtoWriter w, NodeEntry node)
    {
        foreach (string input in node.Inputs)
        {
            w.String(1, input);
        }
        foreach (string output in node.Outputs)
        {
            w.String(2, output);
        }
        w.String(3, node.Name);
        w.String(4, node.OpType);
        foreach (Attribute attribute in node.Attributes)
        {
            w.Message(5, attribute, WriteAttribute);
        }
        if (node.Doc is not null)
        {
            w.String(6, node.Doc);
        }
    }

    private static void WriteAttribute(ProtoWriter w, Attribute a)
    {
        w.String(1, a.Name);
        switch (a.Value)
        {
            case float f:
                w.Float(2, f);
                w.Int64(20, 1); // AttributeType.FLOAT
                break;
            case long i:
                w.Int64(3, i);
                w.Int64(20, 2); // INT
                break;
            case string s:
                w.String(4, s);
                w.Int64(20, 3); // STRING
                break;
            case float[] floats:
                w.PackedFloat(7, floats);
                w.Int64(20, 6); // FLOATS
                break;
            case long[] ints:
                w.PackedInt64(8, ints);
                w.Int64(20, 7); // INTS
                break;
            case string[] strings:
                foreach (string s in strings)
                {
                    w.String(9, s);
                }
                w.Int64(20, 8); // STRINGS
                break;
            default:
                throw new InvalidOperationException($"Unsupported attribute value for '{a.Name}'.");
        }
    }

    private static void WriteTensor(ProtoWriter w, Initializer t)
    {
        if (t.Dims.Length > 0)
        {
            w.PackedInt64(1, t.Dims); // a scalar has no dims
        }
        w.Int64(2, t.DataType);
        w.String(8, t.Name);
        if (t.Floats is not null)
        {
            w.FloatBytes(9, t.Floats); // raw_data, little-endian
        }
        else
        {
            w.PackedInt64(7, t.Longs!); // int64_data
        }
    }

    private static void WriteValueInfo(ProtoWriter w, ValueInfo v)
    {
        w.String(1, v.Name);
        w.Message(2, v, static (type, info) => type.Message(1, info, static (tensor, i) => // TypeProto.tensor_type
        {
            tensor.Int64(1, i.ElementType);
            tensor.Message(2, i.Shape, static (shape, dims) =>
            {
                foreach (object dim in dims)
                {
                    shape.Message(1, dim, static (d, value) =>
                    {
                        if (value is string param)
                        {
                            d.String(2, param); // dim_param
                        }
                        else
                        {
                            d.Int64(1, Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)); // dim_value
                        }
                    });
                }
            });
        }));
    }

    /// <summary>A node attribute: float, long, string, float[], long[] or string[] value.</summary>
    public sealed record Attribute(string Name, object Value);

    private sealed record NodeEntry(string OpType, string Name, string[] Inputs, string[] Outputs, IReadOnlyList<Attribute> Attributes, string? Doc);

    private sealed record Initializer(string Name, int DataType, long[] Dims, float[]? Floats, long[]? Longs);

    private sealed record ValueInfo(string Name, int ElementType, object[] Shape);
}
