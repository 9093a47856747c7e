using Ergate;

var app = new ErgateApp(new InMemoryJobQueue(), new InMemoryJobStateStore());

var workflow = new Workflow("my_first_workflow");
workflow.Step("say_hi", () => Console.WriteLine("Hello world"));
workflow.Step("say_bye", () => Console.WriteLine("Goodbye world"));
app.RegisterWorkflow(workflow);

await app.Client.StartAsync("my_first_workflow", options: new StartOptions { Id = "1" });
app.RunUntilIdle();
