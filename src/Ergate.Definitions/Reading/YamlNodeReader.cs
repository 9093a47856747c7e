using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Ergate.Definitions;

/// <summary>Reads a YAML file (one document; anchors and aliases allowed) into a <see cref="DefinitionNode"/> tree, with YamlDotNet's parser.</summary>
internal static class YamlNodeReader
{
    /// <summary>The file's tree; null when the YAML is malformed, which is added to <paramref name="errors"/> with its position.</summary>
    public static DefinitionNode? Read(string file, string text, List<DefinitionError> errors)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, DefinitionNode>(StringComparer.Ordinal);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.Accept<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(parser, file, anchors, errors);
            parser.Consume<DocumentEnd>();
            if (!parser.Accept<StreamEnd>(out _))
            {
                errors.Add(new(At(file, parser.Current!.Start), "A definition file holds one YAML document; remove the second '---' and what follows, or move it to a file of its own."));
            }

            return root;
        }
        catch (YamlException ex)
        {
            errors.Add(new(At(file, ex.Start), $"The YAML cannot be read: {ex.Message}"));
            return null;
        }
    }

    private static DefinitionNode ReadNode(IParser parser, string file, Dictionary<string, DefinitionNode> anchors, List<DefinitionError> errors)
    {
        if (parser.TryConsume<AnchorAlias>(out var alias))
        {
            if (anchors.TryGetValue(alias.Value.Value, out var anchored))
            {
                return anchored;
            }

            errors.Add(new(At(file, alias.Start), $"The alias '*{alias.Value}' names no anchor written before it."));
            return new ScalarNode(At(file, alias.Start), null, quoted: false);
        }

        DefinitionNode node;
        AnchorName anchor;
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            anchor = scalar.Anchor;
            node = new ScalarNode(At(file, scalar.Start), IsNull(scalar) ? null : scalar.Value, quoted: scalar.Style is not ScalarStyle.Plain);
        }
        else if (parser.TryConsume<SequenceStart>(out var sequence))
        {
            anchor = sequence.Anchor;
            var items = new List<DefinitionNode>();
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                items.Add(ReadNode(parser, file, anchors, errors));
            }

            node = new SequenceNode(At(file, sequence.Start), items);
        }
        else
        {
            var mapping = parser.Consume<MappingStart>();
            anchor = mapping.Anchor;
            node = ReadMapping(parser, file, At(file, mapping.Start), anchors, errors);
        }

        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node;
        }

        return node;
    }

    private static MappingNode ReadMapping(IParser parser, string file, SourcePosition position, Dictionary<string, DefinitionNode> anchors, List<DefinitionError> errors)
    {
        var entries = new List<KeyValuePair<ScalarNode, DefinitionNode>>();
        var seen = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var keyNode = ReadNode(parser, file, anchors, errors);
            var value = ReadNode(parser, file, anchors, errors);
            if (keyNode is not ScalarNode { Value: { } key } scalarKey)
            {
                errors.Add(new(keyNode.Position, $"A key must be a single value, not {keyNode.Kind}."));
                continue;
            }

            if (!seen.TryAdd(key, scalarKey.Position))
            {
                errors.Add(new(scalarKey.Position, $"The key '{key}' is written twice in one mapping (first at line {seen[key].Line})."));
                continue;
            }

            entries.Add(new(scalarKey, value));
        }

        return new MappingNode(position, entries);
    }

    private static bool IsNull(Scalar scalar) =>
        scalar.Style is ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";

    private static SourcePosition At(string file, Mark mark) => new(file, (int)mark.Line, (int)mark.Column);
}
