using System.Globalization;

namespace Ergate.AspNetCore;

/// <summary>One box of a drawn workflow: a step, or the end.</summary>
/// <param name="Name">The step's name, or <c>end</c>.</param>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Caption">A second line: the workflow the step runs as child jobs; null for none.</param>
/// <param name="Status">The job's step status (COMPLETED, ...) when a job is drawn; null otherwise.</param>
/// <param name="Current">True for the step the drawn job is at.</param>
/// <param name="IsEnd">True for the end of a workflow whose steps run one after another.</param>
internal sealed record GraphNode(string Name, double X, double Y, string? Caption, string? Status, bool Current, bool IsEnd = false);

/// <summary>One arrow: <c>next</c> (the step after), <c>after</c> (a graph dependency), <c>jump</c> (a declared jump) or <c>failure</c> (where a failure goes on).</summary>
internal sealed record GraphEdge(string Path, string Kind, string Title);

/// <summary>
/// Where the steps of a workflow are drawn: one after another top to bottom, with declared jumps
/// curving on the right and failure paths on the left; or, for a graph, in layers by their
/// longest chain of dependencies.
/// </summary>
internal sealed record GraphLayout(double Width, double Height, IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges)
{
    public const double NodeWidth = 190;
    public const double NodeHeight = 42;
    private const double LayerGap = 40;
    private const double ColumnGap = 28;
    private const double Margin = 16;
    private const double LaneStep = 14;

    /// <summary>Lays out <paramref name="workflow"/>, coloured by a job's <paramref name="statuses"/> with <paramref name="current"/> marked, when given.</summary>
    public static GraphLayout Of(Workflow workflow, IReadOnlyDictionary<string, string>? statuses = null, string? current = null) =>
        workflow.IsGraph ? Layers(workflow, statuses, current) : Sequence(workflow, statuses, current);

    private static GraphLayout Sequence(Workflow workflow, IReadOnlyDictionary<string, string>? statuses, string? current)
    {
        var steps = workflow.Steps;
        var failureLane = steps.Any(step => step.OnFailureStep is not null) ? LaneStep * 2 + LaneStep * steps.Count : 0;
        double Top(int index) => Margin + (index * (NodeHeight + LayerGap));
        var left = Margin + failureLane;
        var nodes = steps.Select((step, index) => Node(step, left, Top(index), statuses, current)).ToList();
        nodes.Add(new GraphNode("end", left, Top(steps.Count), null, null, false, IsEnd: true));
        var index = steps.Select((step, i) => (step.Name, i)).ToDictionary(pair => pair.Name, pair => pair.i);

        var edges = new List<GraphEdge>();
        var widest = 0.0;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            var x = left + (NodeWidth / 2);
            edges.Add(new(Path($"M{x},{Top(i) + NodeHeight} L{x},{Top(i + 1)}"), "next", $"{step.Name} → {(i + 1 < steps.Count ? steps[i + 1].Name : "end")}"));
            var targets = step.GoToTargets.Select(target => (Name: target, At: index[target])).ToList();
            if (step.MayGoToEnd)
            {
                targets.Add(("end", steps.Count));
            }

            foreach (var (name, at) in targets.Where(target => target.At > i + 1 || target.Name == "end"))
            {
                var offset = (LaneStep * 2) + (LaneStep * (at - i));
                widest = Math.Max(widest, offset);
                var right = left + NodeWidth;
                edges.Add(new(Side(right, Top(i) + (NodeHeight / 2), Top(at) + (NodeHeight / 2), offset), "jump", $"{step.Name} may jump to {name}"));
            }

            if (step.OnFailureStep is { } onFailure)
            {
                var at = index[onFailure];
                var offset = (LaneStep * 2) + (LaneStep * (at - i));
                edges.Add(new(Side(left, Top(i) + (NodeHeight / 2), Top(at) + (NodeHeight / 2), -offset), "failure", $"{step.Name} goes on at {onFailure} when it fails"));
            }
        }

        return new GraphLayout(left + NodeWidth + widest + (Margin * 2), Top(steps.Count) + NodeHeight + Margin, nodes, edges);
    }

    private static GraphLayout Layers(Workflow workflow, IReadOnlyDictionary<string, string>? statuses, string? current)
    {
        var layerOf = new Dictionary<string, int>(StringComparer.Ordinal);
        int LayerOf(WorkflowStep step) => layerOf.TryGetValue(step.Name, out var known)
            ? known
            : layerOf[step.Name] = step.RunsAfter.Count == 0 ? 0 : 1 + step.RunsAfter.Max(name => LayerOf(workflow.Steps[workflow.IndexOf(name)]));
        var layers = workflow.Steps.GroupBy(LayerOf).OrderBy(layer => layer.Key).ToList();
        var columns = layers.Max(layer => layer.Count());
        var width = (Margin * 2) + (columns * NodeWidth) + ((columns - 1) * ColumnGap);

        var nodes = new Dictionary<string, GraphNode>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            var count = layer.Count();
            var start = (width - ((count * NodeWidth) + ((count - 1) * ColumnGap))) / 2;
            foreach (var (step, column) in layer.Select((step, column) => (step, column)))
            {
                nodes[step.Name] = Node(step, start + (column * (NodeWidth + ColumnGap)), Margin + (layer.Key * (NodeHeight + LayerGap)), statuses, current);
            }
        }

        var edges = workflow.Steps.SelectMany(step => step.RunsAfter.Select(before =>
        {
            var (from, to) = (nodes[before], nodes[step.Name]);
            var (x1, y1, x2, y2) = (from.X + (NodeWidth / 2), from.Y + NodeHeight, to.X + (NodeWidth / 2), to.Y);
            var bend = (y2 - y1) / 2;
            return new GraphEdge(Path($"M{x1},{y1} C{x1},{y1 + bend} {x2},{y2 - bend} {x2},{y2}"), "after", $"{step.Name} runs after {before}");
        })).ToList();
        return new GraphLayout(width, (Margin * 2) + (layers.Count * NodeHeight) + ((layers.Count - 1) * LayerGap), [.. nodes.Values], edges);
    }

    private static GraphNode Node(WorkflowStep step, double x, double y, IReadOnlyDictionary<string, string>? statuses, string? current) => new(
        step.Name,
        x,
        y,
        step.ChildWorkflowName is { } child ? (step.RunsChildPerItem ? $"runs {child} for each item" : $"runs {child}") : null,
        statuses?.GetValueOrDefault(step.Name),
        step.Name == current);

    /// <summary>A curve leaving a box's side at <paramref name="y1"/> and coming back to it at <paramref name="y2"/>, bulging by <paramref name="offset"/> (negative: to the left).</summary>
    private static string Side(double x, double y1, double y2, double offset) => Path($"M{x},{y1} C{x + offset},{y1} {x + offset},{y2} {x},{y2}");

    private static string Path(FormattableString path) => path.ToString(CultureInfo.InvariantCulture);
}
