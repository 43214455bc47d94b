using System;
using System.Collections.Generic;

namespace LstmGen.Export
{
    /// <summary>
    /// The ONNX mappings of the convolution, pooling, reshaping, normalisation and Masking layers. Sequences stay time-major,
    /// (steps, batch, features), between layers; Conv, MaxPool and AveragePool read and write (batch, channels, steps), so
    /// a Transpose goes before and after them (two such layers in a row share it).
    /// </summary>
    internal sealed partial class OnnxBuilder
    {
        // The (batch, channels, steps) form of the time-major tensor _channelsOf, when the last layer produced both.
        private string? _channelsOf;
        private string? _channels;

        /// <summary>The current (steps, batch, features) tensor as (batch, features, steps).</summary>
        private string ChannelsFirst(string scope)
        {
            if (_channels is not null && _channelsOf == _current)
            {
                return _channels;
            }
            return _g.Op("Transpose", $"{scope}/to_channels", new[] { _current }, Ints("perm", 1L, 2L, 0L));
        }

        /// <summary>Makes a (batch, channels, steps) result the current tensor, time-major.</summary>
        private void FromChannelsFirst(string value, string scope, LayerArchitecture layer)
        {
            _current = _g.Node("Transpose", $"{scope}/to_time_major", new[] { value }, new[] { $"{scope}/output" },
                new[] { Ints("perm", 2L, 0L, 1L) })[0];
            _channels = value;
            _channelsOf = _current;
            _sequence = true;
            _steps = layer.OutputShape[0];
            _features = layer.OutputShape[1];
            DropMask();
        }

        /// <summary>
        /// Refuses <see cref="OnnxExportOptions.StateInputs"/> for a layer that reads across steps: a sequence run in
        /// chunks would not see the steps of the other chunks, so the chunks would not add up to the whole.
        /// </summary>
        private void CheckChunkable(LayerArchitecture layer)
        {
            if (_options.StateInputs)
            {
                throw new NotSupportedException(
                    $"ONNX export of {_arch.ModelName}: layer '{layer.Name}' ({layer.ClassName}) reads across steps, and " +
                    "OnnxExportOptions.StateInputs runs a sequence in independent chunks (only recurrent states carry over).");
            }
        }

        private void DropMask()
        {
            _maskSource = null;
            _mask = null;
        }

        /// <summary>
        /// The ONNX pads (before, after) of a Keras window over <paramref name="steps"/> steps (TensorFlow's arithmetic, which
        /// Keras uses): none for 'valid'; for 'same', the total a window needs split with the smaller half first; for
        /// 'causal', span - 1 before.
        /// </summary>
        private (long Before, long After) WindowPads(string padding, int steps, int span, int stride, string who)
        {
            switch (padding)
            {
                case "valid":
                    return (0, 0);
                case "same":
                    int outSteps = (steps + stride - 1) / stride;
                    long total = Math.Max((long)(outSteps - 1) * stride + span - steps, 0);
                    return (total / 2, total - total / 2);
                case "causal":
                    return (span - 1, 0);
                default:
                    throw new NotSupportedException($"ONNX export of {_arch.ModelName}: {who} has padding '{padding}', which has no ONNX mapping.");
            }
        }

        private static int First(LayerArchitecture layer, string key, int fallback) =>
            layer.Get<int[]?>(key, null) is { Length: > 0 } values ? values[0] : layer.Get(key, fallback);

        private void AddConv1D(LayerArchitecture layer)
        {
            CheckChunkable(layer);
            string who = $"layer '{layer.Name}' (Conv1D)";
            int filters = layer.Get("filters", 0);
            int k = First(layer, "kernel_size", 1);
            int stride = First(layer, "strides", 1);
            int dilation = First(layer, "dilation_rate", 1);
            int inputs = _features;
            int span = dilation * (k - 1) + 1;
            (long before, long after) = WindowPads(layer.Get("padding", "valid"), _steps, span, stride, who);

            // Keras's kernel (k, in, filters) as ONNX's (filters, in, k).
            ReadOnlySpan<float> kernel = _model.Weights[layer.Weights[0]];
            var w = new float[filters * inputs * k];
            for (int f = 0; f < filters; f++)
            {
                for (int c = 0; c < inputs; c++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        w[(f * inputs + c) * k + j] = kernel[(j * inputs + c) * filters + f];
                    }
                }
            }
            string scope = layer.Name;
            var inputsOfConv = new List<string> { ChannelsFirst(scope), _g.Weight($"{scope}/W", new[] { filters, inputs, k }, w) };
            if (layer.Get("use_bias", true))
            {
                inputsOfConv.Add(WeightAsIs($"{scope}/B", layer.Weights[1]));
            }
            string y = _g.Node("Conv", $"{scope}/Conv", inputsOfConv.ToArray(), new[] { $"{scope}/Conv_output" },
                new[] { Ints("kernel_shape", k), Ints("strides", stride), Ints("dilations", dilation), Ints("pads", before, after) },
                Doc(layer))[0];
            y = Activate(y, layer.Get("activation", Activation.Linear), scope);
            FromChannelsFirst(y, scope, layer);
        }

        private void AddPooling1D(LayerArchitecture layer, bool max)
        {
            CheckChunkable(layer);
            string who = $"layer '{layer.Name}' ({layer.ClassName})";
            int pool = First(layer, "pool_size", 2);
            int stride = First(layer, "strides", pool);
            (long before, long after) = WindowPads(layer.Get("padding", "valid"), _steps, pool, stride, who);
            string scope = layer.Name;
            var attributes = new List<OnnxGraph.Attribute> { Ints("kernel_shape", pool), Ints("strides", stride), Ints("pads", before, after) };
            if (!max)
            {
                // Keras's 'same' average divides by the steps inside the sequence.
                attributes.Add(Attr("count_include_pad", 0L));
            }
            string op = max ? "MaxPool" : "AveragePool";
            string y = _g.Node(op, $"{scope}/{op}", new[] { ChannelsFirst(scope) }, new[] { $"{scope}/{op}_output" }, attributes, Doc(layer))[0];
            FromChannelsFirst(y, scope, layer);
        }

        private void AddGlobalPooling1D(LayerArchitecture layer, bool max)
        {
            CheckChunkable(layer);
            string scope = layer.Name;
            if (max || _mask is null)
            {
                // GlobalMaxPooling1D reads every step (masked ones too, as LstmGen does).
                string op = max ? "ReduceMax" : "ReduceMean";
                _current = _g.Node(op, $"{scope}/{op}", new[] { _current }, new[] { $"{scope}/output" },
                    new[] { Ints("axes", 0L), Attr("keepdims", 0L) }, Doc(layer))[0];
            }
            else
            {
                // The mean over the unmasked steps (Keras 3); 0 for a sample without any (the sum is 0, divided by 1).
                string s = $"{scope}/masked_mean";
                string weights = _g.Op("Unsqueeze", s, new[] { _mask, _g.Int64s($"{s}/axes", 2) });
                string sum = _g.Op("ReduceSum", s, new[] { _g.Op("Mul", s, new[] { _current, weights }), _g.Int64s($"{s}/sum_axes", 0) },
                    Attr("keepdims", 0L));
                string count = _g.Op("ReduceSum", $"{s}/count", new[] { _mask, _g.Int64s($"{s}/count_axes", 0) }, Attr("keepdims", 0L));
                string divisor = _g.Op("Unsqueeze", s, new[] { _g.Op("Max", s, new[] { count, _g.FloatScalar($"{s}/one", 1f) }), _g.Int64s($"{s}/divisor_axes", 1) });
                _current = _g.Node("Div", $"{s}/Div", new[] { sum, divisor }, new[] { $"{scope}/output" },
                    doc: Doc(layer) + $": the mean over the steps the mask of '{_maskSource}' keeps")[0];
            }
            _sequence = false;
            _features = layer.OutputShape[^1];
            DropMask();
        }

        private void AddFlattenOrReshape(LayerArchitecture layer)
        {
            if (_sequence)
            {
                CheckChunkable(layer);
            }
            string scope = layer.Name;
            IReadOnlyList<int> shape = layer.OutputShape;
            string batchMajor = _sequence ? _g.Op("Transpose", $"{scope}/batch_major", new[] { _current }, Ints("perm", 1L, 0L, 2L)) : _current;
            long[] target = shape.Count == 2 ? new long[] { 0, shape[0], shape[1] } : new long[] { 0, shape[0] };
            string reshaped = _g.Node("Reshape", $"{scope}/Reshape", new[] { batchMajor, _g.Int64s($"{scope}/shape", target) },
                new[] { shape.Count == 2 ? $"{scope}/Reshape_output" : $"{scope}/output" }, doc: Doc(layer) + " (per sample, batch-major)")[0];
            _sequence = shape.Count == 2;
            _current = _sequence
                ? _g.Node("Transpose", $"{scope}/time_major", new[] { reshaped }, new[] { $"{scope}/output" }, new[] { Ints("perm", 1L, 0L, 2L) })[0]
                : reshaped;
            if (_sequence)
            {
                _steps = shape[0];
            }
            _features = shape[^1];
            DropMask();
        }

        /// <summary>The gamma and beta of a normalisation (null when the layer has no scale or no center) and the next weight.</summary>
        private (string? Gamma, string? Beta, int Next) NormalizationAffine(LayerArchitecture layer)
        {
            int i = 0;
            string? gamma = layer.Get("scale", true) ? layer.Weights[i++] : null;
            string? beta = layer.Get("center", true) ? layer.Weights[i++] : null;
            return (gamma, beta, i);
        }

        private void AddBatchNormalization(LayerArchitecture layer)
        {
            // Inference: (x - moving_mean) · gamma / sqrt(moving_variance + epsilon) + beta over the last axis.
            string scope = layer.Name;
            (string? gamma, string? beta, int next) = NormalizationAffine(layer);
            float epsilon = (float)layer.Get("epsilon", 1e-3);
            ReadOnlySpan<float> variance = _model.Weights[layer.Weights[next + 1]];
            var scale = new float[_features];
            for (int c = 0; c < scale.Length; c++)
            {
                float inv = 1f / MathF.Sqrt(variance[c] + epsilon);
                scale[c] = gamma is null ? inv : _model.Weights[gamma][c] * inv;
            }
            string centred = _g.Node("Sub", $"{scope}/Sub", new[] { _current, WeightAsIs($"{scope}/moving_mean", layer.Weights[next]) },
                new[] { $"{scope}/Sub_output" }, doc: Doc(layer) + ": inference with the moving statistics")[0];
            string y = _g.Op("Mul", scope, new[] { centred, _g.Weight($"{scope}/scale", new[] { _features }, scale) });
            if (beta is not null)
            {
                y = _g.Op("Add", scope, new[] { y, WeightAsIs($"{scope}/beta", beta) });
            }
            _current = y;
        }

        private void AddLayerNormalization(LayerArchitecture layer)
        {
            string scope = layer.Name;
            (string? gamma, string? beta, _) = NormalizationAffine(layer);
            var inputs = new List<string>
            {
                _current,
                gamma is null ? _g.Weight($"{scope}/ones", new[] { _features }, Ones(_features)) : WeightAsIs($"{scope}/gamma", gamma),
            };
            if (beta is not null)
            {
                inputs.Add(WeightAsIs($"{scope}/beta", beta));
            }
            _current = _g.Node("LayerNormalization", $"{scope}/LayerNormalization", inputs.ToArray(), new[] { $"{scope}/output" },
                new[] { Attr("axis", -1L), Attr("epsilon", (float)layer.Get("epsilon", 1e-3)) }, Doc(layer))[0];
        }

        private static float[] Ones(int n)
        {
            var ones = new float[n];
            Array.Fill(ones, 1f);
            return ones;
        }

        private void AddMasking(LayerArchitecture layer)
        {
            // A step is masked when all its features equal mask_value; its features become zeros, and the mask replaces any
            // mask before it, (steps, batch) floats as an Embedding's.
            string scope = layer.Name;
            float value = (float)layer.Get("mask_value", 0.0);
            string equal = _g.Op("Equal", $"{scope}/mask", new[] { _current, _g.FloatScalar($"{scope}/mask_value", value) });
            string differs = _g.Op("Cast", $"{scope}/mask", new[] { _g.Op("Not", $"{scope}/mask", new[] { equal }) }, Attr("to", (long)OnnxGraph.Float));
            _mask = _g.Node("ReduceMax", $"{scope}/mask/ReduceMax", new[] { differs }, new[] { $"{scope}/mask" },
                new[] { Ints("axes", 2L), Attr("keepdims", 0L) }, "Masking: 1 for a step with a value other than mask_value, 0 else, (steps, batch)")[0];
            _maskSource = layer.Name;
            string keep = _g.Op("Cast", $"{scope}/keep", new[] { _g.Op("Unsqueeze", $"{scope}/keep", new[] { _mask, _g.Int64s($"{scope}/keep/axes", 2) }) },
                Attr("to", (long)OnnxGraph.Bool));
            _current = _g.Node("Where", $"{scope}/Where", new[] { keep, _current, _g.FloatScalar($"{scope}/zero", 0f) }, new[] { $"{scope}/output" },
                doc: Doc(layer))[0];
        }
    }
}
