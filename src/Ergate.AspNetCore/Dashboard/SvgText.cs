using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace Ergate.AspNetCore.Dashboard;

/// <summary>
/// An SVG <c>text</c> element, its content encoded: written in C# because Razor reads a
/// <c>&lt;text&gt;</c> tag as its own.
/// </summary>
public sealed class SvgText : ComponentBase
{
    /// <summary>The text's x.</summary>
    [Parameter] public double X { get; set; }

    /// <summary>The text's y (its baseline).</summary>
    [Parameter] public double Y { get; set; }

    /// <summary>start, middle or end.</summary>
    [Parameter] public string Anchor { get; set; } = "start";

    /// <summary>The element's class, or null.</summary>
    [Parameter] public string? Class { get; set; }

    /// <summary>What it says.</summary>
    [Parameter, EditorRequired] public string Text { get; set; } = "";

    /// <inheritdoc />
    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.OpenElement(0, "text");
        builder.AddAttribute(1, "class", Class);
        builder.AddAttribute(2, "x", X.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture));
        builder.AddAttribute(3, "y", Y.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture));
        builder.AddAttribute(4, "text-anchor", Anchor);
        builder.AddContent(5, Text);
        builder.CloseElement();
    }
}
