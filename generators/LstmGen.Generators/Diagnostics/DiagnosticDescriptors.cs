using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace LstmGen.Generators.Diagnostics;

/// <summary>
/// Every LSTMGEN diagnostic. IDs are never reused or renumbered: 001-099 usage, 100-199 topology and shapes,
/// 200-299 performance advice, 900 internal error. Each has a page under docs/diagnostics/.
/// </summary>
internal static class DiagnosticDescriptors
{
    /// <summary>Base of the help links; each ID's page is <c>{base}{ID}.md</c> in the repository's docs/diagnostics.</summary>
    public const string HelpLinkBase = "https://github.com/lstmgen/lstmgen/blob/main/docs/diagnostics/";

    public const string ClassMustBePartialId = "LSTMGEN001";
    public const string LayersSplitAcrossDeclarationsId = "LSTMGEN002";
    public const string InvalidAttributeArgumentId = "LSTMGEN003";
    public const string WrapperWithoutLayerId = "LSTMGEN004";
    public const string WrapperMismatchId = "LSTMGEN005";
    public const string InvalidLayerNameId = "LSTMGEN006";
    public const string DuplicateLayerNameId = "LSTMGEN007";
    public const string UnsupportedModelTypeId = "LSTMGEN008";
    public const string ConstructorMustChainId = "LSTMGEN009";
    public const string NameConflictId = "LSTMGEN010";
    public const string MissingInputId = "LSTMGEN101";
    public const string MisplacedInputId = "LSTMGEN102";
    public const string NonPositiveSizeId = "LSTMGEN103";
    public const string RecurrentNeedsSequenceId = "LSTMGEN104";
    public const string RepeatVectorNeedsVectorId = "LSTMGEN105";
    public const string LayerNeedsSequenceId = "LSTMGEN106";
    public const string SliceOutOfRangeId = "LSTMGEN107";
    public const string EmbeddingPlacementId = "LSTMGEN108";
    public const string MaskNotSupportedId = "LSTMGEN109";
    public const string InputRankId = "LSTMGEN110";
    public const string InvalidRecurrentActivationId = "LSTMGEN111";
    public const string ReturnStateNotLastId = "LSTMGEN112";
    public const string NoLayersId = "LSTMGEN113";
    public const string ModelTooLargeId = "LSTMGEN114";
    public const string LossDoesNotFitOutputId = "LSTMGEN115";
    public const string DropoutRateOutOfRangeId = "LSTMGEN116";
    public const string SequenceTooShortId = "LSTMGEN117";
    public const string ReshapeSizeMismatchId = "LSTMGEN118";
    public const string UnsupportedAxisId = "LSTMGEN119";
    public const string IncompatibleArgumentsId = "LSTMGEN120";
    public const string UnrollCappedId = "LSTMGEN201";
    public const string InternalErrorId = "LSTMGEN900";

    public static readonly DiagnosticDescriptor ClassMustBePartial = Create(ClassMustBePartialId,
        "Model class must be partial",
        "{0} must be declared partial so that LstmGen can add the generated code",
        DiagnosticCategories.Usage,
        "A [Sequential] class is completed by the source generator, which needs the class and every containing type to be partial.");

    public static readonly DiagnosticDescriptor LayersSplitAcrossDeclarations = Create(LayersSplitAcrossDeclarationsId,
        "Layer attributes split across partial declarations",
        "The layers of '{0}' are declared on more than one partial declaration; put [Input] and every layer attribute on one declaration so that their order is defined",
        DiagnosticCategories.Usage,
        "Layer order is attribute order, which is defined only within one declaration.");

    public static readonly DiagnosticDescriptor InvalidAttributeArgument = Create(InvalidAttributeArgumentId,
        "Invalid attribute argument",
        "{0} is not a valid value for {1}: {2}",
        DiagnosticCategories.Usage,
        "An enum argument is not one of the enum's defined values (for example a cast of an out-of-range number).");

    public static readonly DiagnosticDescriptor WrapperWithoutLayer = Create(WrapperWithoutLayerId,
        "Wrapper attribute without a layer",
        "[{0}] must be followed directly by the {1} it wraps, e.g. {2}",
        DiagnosticCategories.Usage,
        "TimeDistributed and Bidirectional apply to the layer attribute that follows them.");

    public static readonly DiagnosticDescriptor WrapperMismatch = Create(WrapperMismatchId,
        "Wrapper cannot wrap this layer",
        "[{0}] cannot wrap {1}; it wraps {2}",
        DiagnosticCategories.Usage,
        "Bidirectional wraps an Lstm; TimeDistributed wraps a Dense.");

    public static readonly DiagnosticDescriptor InvalidLayerName = Create(InvalidLayerNameId,
        "Invalid layer name",
        "Layer name '{0}' is invalid: {1}",
        DiagnosticCategories.Usage,
        "Layer names prefix weight names ('name/kernel'), so they are made of letters, digits, '_', '.' and '-'.");

    public static readonly DiagnosticDescriptor DuplicateLayerName = Create(DuplicateLayerNameId,
        "Duplicate layer name",
        "Layer name '{0}' is already used by an earlier layer{1}; weight names must be unique",
        DiagnosticCategories.Usage,
        "Two layers with one name would give two weights the same name.");

    public static readonly DiagnosticDescriptor UnsupportedModelType = Create(UnsupportedModelTypeId,
        "Type cannot be a model",
        "'{0}' cannot be a model class: {1}",
        DiagnosticCategories.Usage,
        "A model is an ordinary (non-static, non-file-local) partial class or record without a primary constructor, whose name does not clash with the members LstmGen generates.");

    public static readonly DiagnosticDescriptor ConstructorMustChain = Create(ConstructorMustChainId,
        "Model constructor must chain to the generated constructor",
        "The constructor '{0}' must call the generated constructor with ': this(options)' (or ': this()') so that the weights and workspaces are created",
        DiagnosticCategories.Usage,
        "The generated constructor allocates the weights and workspaces; a constructor that does not chain to it leaves them null.");

    public static readonly DiagnosticDescriptor NameConflict = Create(NameConflictId,
        "Name conflicts with the generated code",
        "{0}: {1}",
        DiagnosticCategories.Usage,
        "The generated model declares members (Predict, Weights, Summary, a nested Streamer, fields and methods starting with '__', ...) and refers to the LstmGen and System namespaces; a user member of the same name and signature, or a type that hides those namespaces, would make the generated code fail to compile.");

    public static readonly DiagnosticDescriptor MissingInput = Create(MissingInputId,
        "Model has no input shape",
        "Model '{0}' does not start with an [Input(...)]; declare the shape of one sample first, e.g. [Input(10, 1)] for 10 steps of 1 feature",
        DiagnosticCategories.Topology,
        "Every shape is inferred from the input shape, which must be declared first.");

    public static readonly DiagnosticDescriptor MisplacedInput = Create(MisplacedInputId,
        "Input declared twice or after a layer",
        "[Input] must appear exactly once, before every layer; {0}",
        DiagnosticCategories.Topology,
        "A sequential model has one input, declared before its layers.");

    public static readonly DiagnosticDescriptor NonPositiveSize = Create(NonPositiveSizeId,
        "Size out of range",
        "{0}: {1} must be {2}, but is {3}",
        DiagnosticCategories.Topology,
        "Units, dimensions, step counts and repetitions must be positive; padding must not be negative.");

    public static readonly DiagnosticDescriptor RecurrentNeedsSequence = Create(RecurrentNeedsSequenceId,
        "Recurrent layer fed a 2-D tensor",
        "{0} needs a sequence (batch, steps, features) but receives {1} from {2}{3}",
        DiagnosticCategories.Topology,
        "An LSTM runs over time steps. An LSTM that feeds another must return its whole sequence (ReturnSequences = true).");

    public static readonly DiagnosticDescriptor RepeatVectorNeedsVector = Create(RepeatVectorNeedsVectorId,
        "RepeatVector fed a sequence",
        "{0} repeats a vector (batch, features) but receives the sequence {1} from {2}",
        DiagnosticCategories.Topology,
        "RepeatVector turns a vector into a sequence; its input must not already be a sequence.");

    public static readonly DiagnosticDescriptor LayerNeedsSequence = Create(LayerNeedsSequenceId,
        "Sequence layer fed a 2-D tensor",
        "{0} works on a sequence (batch, steps, features) but receives {1} from {2}",
        DiagnosticCategories.Topology,
        "SliceLast, ZeroPadding1D and TimeDistributed act on the time axis, which a 2-D tensor does not have.");

    public static readonly DiagnosticDescriptor SliceOutOfRange = Create(SliceOutOfRangeId,
        "SliceLast longer than the sequence",
        "{0} keeps the last {1} steps, but its input {2} has only {3}",
        DiagnosticCategories.Topology,
        "SliceLast(n) needs 1 <= n <= the number of steps of its input.");

    public static readonly DiagnosticDescriptor EmbeddingPlacement = Create(EmbeddingPlacementId,
        "Embedding not first or not on token input",
        "{0} must come directly after an Input of token ids such as [Input(20)]; {1}",
        DiagnosticCategories.Topology,
        "An Embedding maps token ids to vectors, so it is the first layer and its input is one id per step.");

    public static readonly DiagnosticDescriptor MaskNotSupported = Create(MaskNotSupportedId,
        "Layer cannot carry the padding mask",
        "{0} cannot carry the padding mask of {1} (MaskZero = true); only Lstm, Bidirectional, Dense and TimeDistributed can follow a masking Embedding until an Lstm without ReturnSequences consumes the mask",
        DiagnosticCategories.Topology,
        "With MaskZero the padded steps must be skipped by every recurrent layer; a layer that changes the time axis would misalign the mask.");

    public static readonly DiagnosticDescriptor InputRank = Create(InputRankId,
        "Unsupported input rank",
        "Input({0}) declares {1} dimensions; an input is (features), (steps, features), or (steps) of token ids before an Embedding",
        DiagnosticCategories.Topology,
        "Inputs are 1-D or 2-D per sample.");

    public static readonly DiagnosticDescriptor InvalidRecurrentActivation = Create(InvalidRecurrentActivationId,
        "Softmax is not a recurrent activation",
        "{0}: {1} cannot be Softmax; use an element-wise activation (Tanh, Sigmoid, HardSigmoid, Relu, Linear, ...)",
        DiagnosticCategories.Topology,
        "The activations of LSTM, GRU and SimpleRNN cells apply element-wise; softmax does not.");

    public static readonly DiagnosticDescriptor ReturnStateNotLast = Create(ReturnStateNotLastId,
        "ReturnState only on the last recurrent layer",
        "{0} sets ReturnState, which is supported only on a unidirectional recurrent layer that is the model's last layer (a Sequential model has a single output otherwise)",
        DiagnosticCategories.Topology,
        "The final states are returned beside the model's output, so the recurrent layer must be the last layer.");

    public static readonly DiagnosticDescriptor NoLayers = Create(NoLayersId,
        "Model has no layers",
        "Model '{0}' declares an input but no layers",
        DiagnosticCategories.Topology,
        "A model needs at least one layer after its [Input].");

    public static readonly DiagnosticDescriptor ModelTooLarge = Create(ModelTooLargeId,
        "Model too large",
        "{0}: {1} needs {2} elements, more than one .NET array can hold ({3})",
        DiagnosticCategories.Topology,
        "Weights and per-sample workspaces live in single arrays, which hold at most 2,147,483,647 elements.");

    public static readonly DiagnosticDescriptor LossDoesNotFitOutput = Create(LossDoesNotFitOutputId,
        "Declared loss does not fit the output",
        "The declared loss {0} {1}, but the output is {2}",
        DiagnosticCategories.Topology,
        "Binary cross-entropy expects probabilities from a sigmoid (from logits: a linear output); categorical cross-entropy expects a softmax over two or more classes.",
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor DropoutRateOutOfRange = Create(DropoutRateOutOfRangeId,
        "Dropout rate out of range",
        "{0}: {1} must be in [0, 1) (the fraction of values dropped in training), not {2}",
        DiagnosticCategories.Topology,
        "A dropout rate is the probability of dropping a value: 0 turns dropout off, and 1 would drop everything (Keras raises an error for it).");

    public static readonly DiagnosticDescriptor SequenceTooShort = Create(SequenceTooShortId,
        "Sequence too short for the window",
        "{0}: a window of {1} steps{2} leaves no output step on {3} from {4}",
        DiagnosticCategories.Topology,
        "A 'valid' convolution or pooling needs at least as many steps as its window spans (kernel_size with its dilation, or pool_size); pad the sequence, use Padding = Same, or a shorter window.");

    public static readonly DiagnosticDescriptor ReshapeSizeMismatch = Create(ReshapeSizeMismatchId,
        "Reshape does not keep the element count",
        "{0}: {1}",
        DiagnosticCategories.Topology,
        "Reshape rearranges the values of one sample: the target shape must hold exactly as many (one size may be -1 to infer it), with one or two dimensions.");

    public static readonly DiagnosticDescriptor UnsupportedAxis = Create(UnsupportedAxisId,
        "Normalisation axis not supported",
        "{0}: Axis = {1} is not supported; LstmGen normalises the last axis (Axis = -1, the features of {2})",
        DiagnosticCategories.Topology,
        "BatchNormalization and LayerNormalization normalise over the feature axis, Keras's default.");

    public static readonly DiagnosticDescriptor IncompatibleArguments = Create(IncompatibleArgumentsId,
        "Incompatible layer arguments",
        "{0}: {1}",
        DiagnosticCategories.Topology,
        "Some argument combinations are refused by Keras as well (a dilated convolution with strides, causal padding for pooling).");

    public static readonly DiagnosticDescriptor UnrollCapped = Create(UnrollCappedId,
        "Sequence too long to unroll",
        "{0} runs {1} steps, more than the unroll limit of {2} for Unroll = {3}; its time loop is emitted as a loop",
        DiagnosticCategories.Performance,
        "Time steps are written out one by one up to a limit (16 under Unroll = Auto, 128 under Always) so that generated code stays small for long sequences; longer sequences loop.",
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor InternalError = Create(InternalErrorId,
        "LstmGen internal error",
        "LstmGen failed to generate code for '{0}': {1}: {2}. Please report this with the model declaration.",
        DiagnosticCategories.Internal,
        "The generator hit an unexpected error; no code was generated for this model.");

    /// <summary>All descriptors, by ID.</summary>
    public static readonly ImmutableDictionary<string, DiagnosticDescriptor> ById = new[]
    {
        ClassMustBePartial, LayersSplitAcrossDeclarations, InvalidAttributeArgument, WrapperWithoutLayer, WrapperMismatch,
        InvalidLayerName, DuplicateLayerName, UnsupportedModelType, ConstructorMustChain, NameConflict, MissingInput, MisplacedInput, NonPositiveSize, RecurrentNeedsSequence,
        RepeatVectorNeedsVector, LayerNeedsSequence, SliceOutOfRange, EmbeddingPlacement, MaskNotSupported, InputRank,
        InvalidRecurrentActivation, ReturnStateNotLast, NoLayers, ModelTooLarge, LossDoesNotFitOutput, DropoutRateOutOfRange,
        SequenceTooShort, ReshapeSizeMismatch, UnsupportedAxis, IncompatibleArguments, UnrollCapped, InternalError,
    }.ToImmutableDictionary(d => d.Id);

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, string description,
        DiagnosticSeverity severity = DiagnosticSeverity.Error) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description: description,
            helpLinkUri: HelpLinkBase + id + ".md");

    public static IEnumerable<DiagnosticDescriptor> All => ById.Values;
}
