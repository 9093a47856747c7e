using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ergate.Definitions;

/// <summary>
/// Reads typed values out of <see cref="DefinitionNode"/>s, adding an error with the node's
/// position for each that is not what it should be, and going on, so a file's mistakes are all
/// found in one pass. A method that cannot read a value returns null.
/// </summary>
internal sealed partial class NodeReader(List<DefinitionError> errors)
{
    public void Error(SourcePosition position, string message) => errors.Add(new(position, message));

    /// <summary>The entries of a mapping whose keys must be among <paramref name="allowed"/>; null when the node is not a mapping.</summary>
    public Dictionary<string, DefinitionNode>? Fields(DefinitionNode node, string what, params string[] allowed)
    {
        if (node is not MappingNode mapping)
        {
            Error(node.Position, $"{Capitalized(what)} must be a mapping of keys and values, not {node.Kind}.");
            return null;
        }

        var fields = new Dictionary<string, DefinitionNode>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Entries)
        {
            if (Array.IndexOf(allowed, key.Value) < 0)
            {
                Error(key.Position, $"{Capitalized(what)} has no key '{key.Value}'; its keys are {string.Join(", ", allowed)}.");
                continue;
            }

            fields[key.Value!] = value;
        }

        return fields;
    }

    /// <summary>The items of a list; empty (with an error) when the node is not one.</summary>
    public IReadOnlyList<DefinitionNode> Items(DefinitionNode node, string what)
    {
        if (node is SequenceNode sequence)
        {
            return sequence.Items;
        }

        Error(node.Position, $"{Capitalized(what)} must be a list, not {node.Kind}.");
        return [];
    }

    /// <summary>The value of <paramref name="key"/> in <paramref name="fields"/> as text; null when it is missing (an error when <paramref name="required"/>) or not text.</summary>
    public Located<string>? Text(Dictionary<string, DefinitionNode> fields, string key, string what, SourcePosition owner, bool required = false)
    {
        if (!fields.TryGetValue(key, out var node))
        {
            if (required)
            {
                Error(owner, $"{Capitalized(what)} has no '{key}'.");
            }

            return null;
        }

        return Text(node, $"'{key}' of {what}");
    }

    public Located<string>? Text(DefinitionNode node, string what)
    {
        if (node is ScalarNode { Value: { Length: > 0 } value } scalar && !string.IsNullOrWhiteSpace(value))
        {
            return new(value, scalar.Position);
        }

        Error(node.Position, $"{Capitalized(what)} must be a non-empty text, not {node.Kind}.");
        return null;
    }

    /// <summary>A whole number of at least <paramref name="minimum"/>.</summary>
    public Located<int>? Integer(DefinitionNode node, string what, int minimum)
    {
        if (node is ScalarNode { Quoted: false, Value: { } text } && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            if (value >= minimum)
            {
                return new(value, node.Position);
            }

            Error(node.Position, $"{Capitalized(what)} must be at least {minimum}; it is {value}.");
            return null;
        }

        Error(node.Position, $"{Capitalized(what)} must be a whole number, not {Describe(node)}.");
        return null;
    }

    public bool? Boolean(DefinitionNode node, string what)
    {
        if (node is ScalarNode { Quoted: false, Value: "true" or "false" } scalar)
        {
            return scalar.Value == "true";
        }

        Error(node.Position, $"{Capitalized(what)} must be true or false, not {Describe(node)}.");
        return null;
    }

    /// <summary>A duration: <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>, or <c>hh:mm:ss</c>; more than zero.</summary>
    public TimeSpan? Duration(DefinitionNode node, string what)
    {
        if (node is ScalarNode { Value: { } text })
        {
            if (DurationPattern().Match(text) is { Success: true } match)
            {
                var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var days = match.Groups[2].Value switch
                {
                    "ms" => amount / 86_400_000,
                    "s" => amount / 86_400,
                    "m" => amount / 1_440,
                    "h" => amount / 24,
                    _ => amount,
                };
                if (days > TimeSpan.MaxValue.TotalDays / 2)
                {
                    Error(node.Position, $"{Capitalized(what)} is too long: at most {(int)(TimeSpan.MaxValue.TotalDays / 2)} days.");
                    return null;
                }

                var duration = match.Groups[2].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(amount),
                    "s" => TimeSpan.FromSeconds(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    "h" => TimeSpan.FromHours(amount),
                    _ => TimeSpan.FromDays(amount),
                };
                if (duration > TimeSpan.Zero)
                {
                    return duration;
                }
            }
            else if (TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
            {
                return span;
            }
        }

        Error(node.Position, $"{Capitalized(what)} must be a duration above zero such as 500ms, 30s, 5m, 2h, 1d or 00:01:30, not {Describe(node)}.");
        return null;
    }

    /// <summary>A scalar as a JSON value: text stays text, plain numbers and true or false become JSON numbers and booleans.</summary>
    public static JsonElement Json(ScalarNode scalar)
    {
        if (scalar.Value is null)
        {
            return JsonSerializer.SerializeToElement<object?>(null);
        }

        if (!scalar.Quoted)
        {
            if (scalar.Value is "true" or "false")
            {
                return JsonSerializer.SerializeToElement(scalar.Value == "true");
            }

            if (decimal.TryParse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return JsonSerializer.SerializeToElement(number);
            }
        }

        return JsonSerializer.SerializeToElement(scalar.Value);
    }

    /// <summary>The node, as an error quotes it.</summary>
    public static string Describe(DefinitionNode node) => node is ScalarNode { Value: { } value } ? $"'{value}'" : node.Kind;

    public static string Capitalized(string what) => what.Length == 0 ? what : char.ToUpperInvariant(what[0]) + what[1..];

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();
}
