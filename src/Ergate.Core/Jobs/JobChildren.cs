namespace Ergate;

/// <summary>
/// The child jobs a WAITING job waits for: the ones its step <see cref="StepName"/> started
/// (<see cref="WorkflowStep.ThenRun"/>, <see cref="WorkflowStep.ThenRunForEach"/>). Their ids
/// follow from the parent's (<see cref="JobIds"/>), so a redelivered parent never starts a second
/// set of children.
/// </summary>
/// <param name="StepName">The step whose result they run on.</param>
/// <param name="WorkflowName">The children's workflow.</param>
/// <param name="Count">How many children: one per item for <see cref="WorkflowStep.ThenRunForEach"/>, else 1.</param>
/// <param name="Started">How many of them (the first ones, in item order) were enqueued; the rest wait for the concurrency cap.</param>
/// <param name="MaxConcurrency">At most this many children run at once; 0 for no cap.</param>
/// <param name="ForEach">True when the step ran one child per item and the next step gets their results as a list.</param>
/// <param name="Reruns">For each item whose child the step's retry policy ran again, how many times; null when none was.</param>
/// <param name="Round">
/// Which run of the step started them: 1, or 2 and up when the job was retried after the step
/// failed (<see cref="ErgateClient.RetryAsync"/>), which runs the step, and a new set of
/// children, again.
/// </param>
public sealed record JobChildren(string StepName, string WorkflowName, int Count, int Started, int MaxConcurrency, bool ForEach, IReadOnlyDictionary<int, int>? Reruns = null, int Round = 1)
{
    /// <summary>The step's name, with <c>#round</c> after it from the second round: what the children's ids and their join are named after.</summary>
    internal string Key => Round > 1 ? $"{StepName}#{Round}" : StepName;

    /// <summary>The ids of the current children of job <paramref name="parentJobId"/>, in item order.</summary>
    public IEnumerable<string> JobIds(string parentJobId) => Enumerable.Range(0, Count).Select(item => JobIdOf(parentJobId, item));

    /// <summary>
    /// The id of the current child of job <paramref name="parentJobId"/> for item
    /// <paramref name="item"/>: <c>parent/step/item</c> for one child per item, <c>parent/step</c>
    /// for a single child, and <c>~2</c>, <c>~3</c>… after it for a child the step's retry policy
    /// ran again (a new job, so the failed one stays readable); <c>parent/step#2/item</c> and so on
    /// for the children of a later round.
    /// </summary>
    public string JobIdOf(string parentJobId, int item)
    {
        var id = ForEach ? $"{parentJobId}/{Key}/{item}" : $"{parentJobId}/{Key}";
        return Reruns?.GetValueOrDefault(item) is > 0 and var reruns ? $"{id}~{reruns + 1}" : id;
    }
}
