using System.Globalization;

namespace Ergate;

/// <summary>
/// Where a newest-first listing stands (<see cref="JobQuery.After"/>): the creation time, to the
/// millisecond, and the id of the last job listed; jobs are listed by both, descending, ids in
/// Unicode code point order (<see cref="IdOrder"/>). A cursor stays valid when its job changes
/// status or is removed. Its text form
/// (<see cref="ToString"/>, <see cref="Parse"/>) is what an HTTP API or a CLI hands out.
/// </summary>
/// <param name="CreatedAtMs">The job's <see cref="Job.CreatedAt"/> in Unix milliseconds.</param>
/// <param name="Id">The job's id.</param>
public readonly record struct JobCursor(long CreatedAtMs, string Id)
{
    /// <summary>The cursor that continues a listing after <paramref name="job"/>.</summary>
    public static JobCursor Of(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new(job.CreatedAt.ToUnixTimeMilliseconds(), job.Id);
    }

    /// <summary>Reads a cursor written by <see cref="ToString"/>.</summary>
    /// <exception cref="ArgumentException">The text is not a cursor.</exception>
    public static JobCursor Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var separator = text.IndexOf(':', StringComparison.Ordinal);
        if (separator <= 0 || separator == text.Length - 1
            || !long.TryParse(text.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var createdAtMs))
        {
            throw new ArgumentException($"'{text}' is not a job listing cursor (take one with JobCursor.Of).", nameof(text));
        }

        return new(createdAtMs, text[(separator + 1)..]);
    }

    /// <summary>True when <paramref name="job"/> comes after this cursor in a newest-first listing.</summary>
    public bool Precedes(Job job)
    {
        var createdAtMs = job.CreatedAt.ToUnixTimeMilliseconds();
        return createdAtMs < CreatedAtMs || (createdAtMs == CreatedAtMs && IdOrder.Compare(job.Id, Id) < 0);
    }

    /// <summary>
    /// The order of ids within one millisecond: by Unicode code point, which is the order of their
    /// UTF-8 bytes, as Redis sorts the members of a sorted set with equal scores. It is
    /// <see cref="StringComparer.Ordinal"/>'s order unless one id has a character beyond U+FFFF
    /// (a surrogate pair) where the other has one from U+E000 to U+FFFF.
    /// </summary>
    public static IComparer<string> IdOrder { get; } = Comparer<string>.Create(CompareByCodePoint);

    private static int CompareByCodePoint(string? x, string? y)
    {
        if (x is null || y is null)
        {
            return x is null ? (y is null ? 0 : -1) : 1;
        }

        var common = x.AsSpan().CommonPrefixLength(y);
        return common == x.Length || common == y.Length
            ? x.Length.CompareTo(y.Length)
            : CodePointRank(x[common]).CompareTo(CodePointRank(y[common]));

        // Surrogates (U+D800-U+DFFF) stand for code points beyond U+FFFF: move them above U+E000-U+FFFF.
        static int CodePointRank(char c) => c < 0xD800 ? c : c < 0xE000 ? c + 0x2000 : c - 0x800;
    }

    /// <summary>The cursor as text: <c>{CreatedAtMs}:{Id}</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{CreatedAtMs}:{Id}");
}
