using Ergate;

// A worker over a queue you wrote yourself (FolderJobQueue.cs): jobs are files in a folder.
var folder = Path.Combine(Path.GetTempPath(), "ergate-custom-queue");
var queue = new FolderJobQueue(folder);
var app = new ErgateApp(queue, new InMemoryJobStateStore());

var workflow = new Workflow("word_count");
workflow.Step("count", (string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
workflow.Step("report", (int words, JobContext context) => Console.WriteLine($"Job {context.JobId}: {words} words"));
app.RegisterWorkflow(workflow);

await queue.EnqueueAsync(new Job("short", "word_count", "hello queue of files"));
await queue.EnqueueAsync(new Job("long", "word_count", "a queue of your own needs only enqueue and dequeue"));
app.RunUntilIdle();
Console.WriteLine($"Jobs live in {folder}");
