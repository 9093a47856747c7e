using System.Text.Json;

namespace Ergate.Definitions;

/// <summary>A jump: to a later step or the end when its condition holds (always, without one), on with the next step otherwise; the value passes through.</summary>
internal sealed class JumpStepHandler(InputMapping? mapping, JumpAction action) : DefinedStepHandler(mapping)
{
    protected override ValueTask<object?> RunAsync(object? input, JobContext context, IServiceProvider? services, CancellationToken cancellationToken)
    {
        if (!Holds(input))
        {
            return new(StepOutcome.Next(input));
        }

        return new(action.Target.Value == JumpAction.End ? StepOutcome.GoToEnd(input) : StepOutcome.GoTo(action.Target.Value, input));
    }

    private bool Holds(object? input)
    {
        if (action.Condition is not { } condition)
        {
            return true;
        }

        var json = input as JsonElement? ?? JsonSerializer.SerializeToElement(input, JobSerializer.Options);
        var field = At(json, condition.Field.Value);
        var present = field is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) };
        return condition.Operator switch
        {
            ConditionOperator.Exists => present == condition.Operand.GetBoolean(),
            ConditionOperator.Equals => present && JsonElement.DeepEquals(field!.Value, condition.Operand) || NumbersEqual(field, condition.Operand),
            ConditionOperator.NotEquals => !(present && JsonElement.DeepEquals(field!.Value, condition.Operand) || NumbersEqual(field, condition.Operand)),
            _ => field is { ValueKind: JsonValueKind.Number } number && Compare(number.GetDecimal(), condition.Operand.GetDecimal(), condition.Operator),
        };
    }

    /// <summary>1 and 1.0 are equal, as JSON numbers.</summary>
    private static bool NumbersEqual(JsonElement? field, JsonElement operand) =>
        field is { ValueKind: JsonValueKind.Number } number && operand.ValueKind == JsonValueKind.Number && number.GetDecimal() == operand.GetDecimal();

    private static bool Compare(decimal value, decimal operand, ConditionOperator op) => op switch
    {
        ConditionOperator.GreaterThan => value > operand,
        ConditionOperator.LessThan => value < operand,
        ConditionOperator.AtLeast => value >= operand,
        _ => value <= operand,
    };
}

/// <summary>A step that waits for a signal, whose payload is the next step's input.</summary>
internal sealed class SignalStepHandler(InputMapping? mapping, SignalAction action) : DefinedStepHandler(mapping)
{
    protected override ValueTask<object?> RunAsync(object? input, JobContext context, IServiceProvider? services, CancellationToken cancellationToken) =>
        new(StepOutcome.WaitForSignal(action.Signal, action.Timeout, action.OnTimeout?.Value));
}

/// <summary>A durable timer: the next step runs after the delay, with the value that came in.</summary>
internal sealed class SleepStepHandler(InputMapping? mapping, SleepAction action) : DefinedStepHandler(mapping)
{
    protected override ValueTask<object?> RunAsync(object? input, JobContext context, IServiceProvider? services, CancellationToken cancellationToken) =>
        new(StepOutcome.Sleep(action.Delay, input));
}
