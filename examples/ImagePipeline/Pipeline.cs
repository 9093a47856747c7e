using Ergate;

namespace ImagePipeline;

/// <summary>
/// The two workflows. "photo" is a graph: fetch, then resize, blur and measure at the same time
/// (each a job of its own, on any worker), then combine their three results. "album" lists its
/// photos and runs one "photo" job per photo, at most four at once, then publishes the reports
/// in the album's order.
/// </summary>
internal static class Pipeline
{
    public static IEnumerable<Workflow> Workflows(string worker)
    {
        var photo = new Workflow("photo");
        photo.Step("fetch", async (string url, CancellationToken cancellationToken) =>
        {
            await WorkAsync(worker, "fetch", url, cancellationToken);
            return new Image(url, url.Length * 1_000);
        });
        photo.Step("resize", async (Image image, CancellationToken cancellationToken) =>
        {
            await WorkAsync(worker, "resize", image.Url, cancellationToken);
            return new Thumbnail(image.Url, 160, image.Bytes / 40);
        }).After("fetch");
        photo.Step("blur", async (Image image, CancellationToken cancellationToken) =>
        {
            await WorkAsync(worker, "blur", image.Url, cancellationToken);
            return new Blurred(image.Url, Radius: 3);
        }).After("fetch");
        photo.Step("measure", async (Image image, CancellationToken cancellationToken) =>
        {
            await WorkAsync(worker, "measure", image.Url, cancellationToken);
            return new Histogram(image.Url, Brightness: image.Url.Sum(c => c) % 256);
        }).After("fetch");
        photo.Step("combine", (Thumbnail resize, Blurred blur, Histogram measure) =>
            new PhotoReport(resize.Url, resize.Bytes, blur.Radius, measure.Brightness))
            .After("resize", "blur", "measure");

        var album = new Workflow("album");
        album.Step("list", (Album request) => request.PhotoUrls).ThenRunForEach("photo", maxConcurrency: 4);
        album.Step("publish", (PhotoReport[] reports) =>
            $"{reports.Length} photos, {reports.Sum(report => report.ThumbnailBytes):N0} bytes of thumbnails, brightest {reports.MaxBy(report => report.Brightness)!.Url}");

        return [photo, album];
    }

    private static async Task WorkAsync(string worker, string step, string url, CancellationToken cancellationToken)
    {
        Console.WriteLine($"  [{worker}] {step,-8} {url}");
        await Task.Delay(Random.Shared.Next(100, 300), cancellationToken);
    }
}

/// <summary>An album to process: the job's input.</summary>
internal sealed record Album(string Name, string[] PhotoUrls);

internal sealed record Image(string Url, int Bytes);

internal sealed record Thumbnail(string Url, int Width, int Bytes);

internal sealed record Blurred(string Url, int Radius);

internal sealed record Histogram(string Url, int Brightness);

/// <summary>What "photo" returns: the thumbnail's size, the blur and the brightness.</summary>
internal sealed record PhotoReport(string Url, int ThumbnailBytes, int BlurRadius, int Brightness);
