using System.Text;
using System.Text.Json;

namespace Ergate.Definitions;

/// <summary>Reads a JSON file (comments and trailing commas allowed) into a <see cref="DefinitionNode"/> tree, with System.Text.Json's reader.</summary>
internal static class JsonNodeReader
{
    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The file's tree; null when the JSON is malformed, which is added to <paramref name="errors"/> with its position.</summary>
    public static DefinitionNode? Read(string file, string text, List<DefinitionError> errors)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = new LineTable(bytes);
        var reader = new Utf8JsonReader(bytes, Options);
        try
        {
            var root = reader.Read() ? ReadNode(ref reader, file, lines, errors) : null;
            reader.Read(); // throws on anything written after the root value
            return root;
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            var column = lines.Column(line, (int)(ex.BytePositionInLine ?? 0));
            errors.Add(new(new SourcePosition(file, line, column), $"The JSON cannot be read: {FirstSentence(ex.Message)}"));
            return null;
        }
    }

    private static DefinitionNode ReadNode(ref Utf8JsonReader reader, string file, LineTable lines, List<DefinitionError> errors)
    {
        var position = lines.Position(file, (int)reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var entries = new List<KeyValuePair<ScalarNode, DefinitionNode>>();
                var seen = new Dictionary<string, SourcePosition>(StringComparer.Ordinal);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var key = new ScalarNode(lines.Position(file, (int)reader.TokenStartIndex), reader.GetString(), quoted: true);
                    reader.Read();
                    var value = ReadNode(ref reader, file, lines, errors);
                    if (seen.TryAdd(key.Value!, key.Position))
                    {
                        entries.Add(new(key, value));
                    }
                    else
                    {
                        errors.Add(new(key.Position, $"The key '{key.Value}' is written twice in one object (first at line {seen[key.Value!].Line})."));
                    }
                }

                return new MappingNode(position, entries);
            case JsonTokenType.StartArray:
                var items = new List<DefinitionNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadNode(ref reader, file, lines, errors));
                }

                return new SequenceNode(position, items);
            case JsonTokenType.String:
                return new ScalarNode(position, reader.GetString(), quoted: true);
            case JsonTokenType.Null:
                return new ScalarNode(position, null, quoted: false);
            default:
                // Numbers, true and false: their text as written, like a plain YAML scalar.
                return new ScalarNode(position, Encoding.UTF8.GetString(reader.ValueSpan), quoted: false);
        }
    }

    private static string FirstSentence(string message) => message.Split(" LineNumber:", 2)[0].TrimEnd();

    /// <summary>Turns byte offsets into lines and columns (in characters, from 1).</summary>
    private sealed class LineTable
    {
        private readonly byte[] _bytes;
        private readonly List<int> _lineStarts = [0];

        public LineTable(byte[] bytes)
        {
            _bytes = bytes;
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == '\n')
                {
                    _lineStarts.Add(i + 1);
                }
            }
        }

        public SourcePosition Position(string file, int offset)
        {
            var index = _lineStarts.BinarySearch(offset);
            var line = index >= 0 ? index : ~index - 1;
            return new(file, line + 1, Column(line + 1, offset - _lineStarts[line]));
        }

        /// <summary>The column of the byte <paramref name="byteInLine"/> bytes into line <paramref name="line"/>.</summary>
        public int Column(int line, int byteInLine)
        {
            var start = _lineStarts[Math.Clamp(line - 1, 0, _lineStarts.Count - 1)];
            var length = Math.Clamp(byteInLine, 0, _bytes.Length - start);
            return Encoding.UTF8.GetCharCount(_bytes, start, length) + 1;
        }
    }
}
