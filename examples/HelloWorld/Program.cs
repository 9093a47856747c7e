using Ergate;

var queue = new InMemoryJobQueue();
var app = new ErgateApp(queue, new InMemoryJobStateStore());

var workflow = new Workflow("my_first_workflow");
workflow.Step("say_hi", () => Console.WriteLine("Hello world"));
workflow.Step("say_bye", () => Console.WriteLine("Goodbye world"));
app.RegisterWorkflow(workflow);

await queue.EnqueueAsync(new Job("1", "my_first_workflow"));
app.RunUntilIdle();
