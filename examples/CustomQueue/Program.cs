using Ergate;

// A worker over a queue you wrote yourself (FolderJobQueue.cs): jobs are files in a folder.
var folder = Path.Combine(Path.GetTempPath(), "ergate-custom-queue");
if (Directory.Exists(folder))
{
    Directory.Delete(folder, recursive: true); // a fresh start for each run of the example
}

var lease = TimeSpan.FromSeconds(2);
var queue = new FolderJobQueue(folder, lease);
var app = new ErgateApp(queue, new InMemoryJobStateStore());

var workflow = new Workflow("word_count");
workflow.Step("count", (string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
workflow.Step("report", (int words, JobContext context) => Console.WriteLine($"Job {context.JobId}: {words} words (delivery {context.DeliveryCount})"));
app.RegisterWorkflow(workflow);

await queue.EnqueueAsync(new Job("orphan", "word_count", "claimed by a worker that died"));
await queue.EnqueueAsync(new Job("short", "word_count", "hello queue of files"));
await queue.EnqueueAsync(new Job("long", "word_count", "a queue of your own needs only enqueue and dequeue"));

// Another worker sharing the folder claims "orphan" and dies before settling it. Once its lease
// has run out, this worker's next dequeue puts the file back and runs the job (its delivery 2).
await new FolderJobQueue(folder, lease).DequeueAsync(CancellationToken.None);
Console.WriteLine($"A worker claimed 'orphan' and died; waiting {lease.TotalSeconds:0} s for its lease to run out");
await Task.Delay(lease);

app.RunUntilIdle();
Console.WriteLine($"Jobs live in {folder}");
