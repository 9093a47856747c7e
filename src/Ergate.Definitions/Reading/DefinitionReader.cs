namespace Ergate.Definitions;

/// <summary>
/// Reads one definition file (YAML, or JSON by its <c>.json</c> extension) into its
/// <see cref="DefinitionFile"/>, adding every mistake of form it finds (unknown keys, missing
/// names, wrong kinds of value) to the errors with its position. What refers to what (services,
/// tasks, steps) is checked afterwards, across all files, by <see cref="DefinitionChecker"/>.
/// </summary>
internal sealed class DefinitionReader
{
    private static readonly string[] StepActionKeys = ["task", "service", "if", "waitForSignal", "sleep"];

    /// <summary>How long a service call may take when neither the service nor the step says.</summary>
    private static readonly TimeSpan ServiceTimeout = TimeSpan.FromSeconds(30);

    private readonly NodeReader _read;
    private readonly string _folder;

    private DefinitionReader(string path, List<DefinitionError> errors)
    {
        _read = new NodeReader(errors);
        _folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
    }

    /// <summary>Reads <paramref name="text"/>, the content of the file <paramref name="path"/>.</summary>
    public static DefinitionFile Read(string path, string text, List<DefinitionError> errors)
    {
        var root = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
            ? JsonNodeReader.Read(path, text, errors)
            : YamlNodeReader.Read(path, text, errors);
        return root is null ? new DefinitionFile(path, [], []) : new DefinitionReader(path, errors).File(path, root);
    }

    private DefinitionFile File(string path, DefinitionNode root)
    {
        var fields = _read.Fields(root, "a definition file", "$schema", "services", "workflows");
        if (fields is null)
        {
            return new DefinitionFile(path, [], []);
        }

        var services = fields.TryGetValue("services", out var servicesNode)
            ? _read.Items(servicesNode, "'services'").Select(Service).OfType<ServiceDefinition>().ToList()
            : [];
        var workflows = fields.TryGetValue("workflows", out var workflowsNode)
            ? _read.Items(workflowsNode, "'workflows'").Select(Workflow).OfType<WorkflowDefinition>().ToList()
            : [];
        if (services.Count == 0 && workflows.Count == 0 && !fields.ContainsKey("services") && !fields.ContainsKey("workflows"))
        {
            _read.Error(root.Position, "A definition file declares 'services', 'workflows' or both.");
        }

        return new DefinitionFile(path, services, workflows);
    }

    private ServiceDefinition? Service(DefinitionNode node)
    {
        var fields = _read.Fields(node, "a service", "name", "description", "baseAddress", "path", "method", "timeout", "inputs", "outputs");
        if (fields is null)
        {
            return null;
        }

        var name = _read.Text(fields, "name", "a service", node.Position, required: true);
        var what = name is { } named ? $"service '{named.Value}'" : "a service";
        var baseAddress = _read.Text(fields, "baseAddress", what, node.Position, required: true);
        if (baseAddress is { } address && !ConfigurationReference.IsReference(address.Value)
            && !(Uri.TryCreate(address.Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            _read.Error(address.Position, $"The base address of {what} must be an absolute http or https address, or a ${{configuration:key}} reference, not '{address.Value}'.");
            baseAddress = null;
        }

        var path = _read.Text(fields, "path", what, node.Position)?.Value ?? "";
        var method = HttpMethod.Post;
        if (_read.Text(fields, "method", what, node.Position) is { } methodText)
        {
            method = methodText.Value.ToUpperInvariant() switch
            {
                "POST" => HttpMethod.Post,
                "PUT" => HttpMethod.Put,
                "PATCH" => HttpMethod.Patch,
                _ => null!,
            };
            if (method is null)
            {
                _read.Error(methodText.Position, $"The method of {what} must be POST, PUT or PATCH (the input is sent as a JSON body), not '{methodText.Value}'.");
            }
        }

        var timeout = fields.TryGetValue("timeout", out var timeoutNode) ? _read.Duration(timeoutNode, $"the timeout of {what}") : null;
        var inputs = Shape(fields, "inputs", what, node.Position, required: true);
        var outputs = Shape(fields, "outputs", what, node.Position, required: true);
        return name is null
            ? null
            : new ServiceDefinition(
                name.Value,
                _read.Text(fields, "description", what, node.Position)?.Value,
                baseAddress ?? new Located<string>("", name.Value.Position),
                path,
                method ?? HttpMethod.Post,
                timeout ?? ServiceTimeout,
                inputs ?? ValueShape.Any,
                outputs ?? ValueShape.Any,
                Complete: baseAddress is not null && method is not null && inputs is not null && outputs is not null);
    }

    private WorkflowDefinition? Workflow(DefinitionNode node)
    {
        var fields = _read.Fields(node, "a workflow", "name", "version", "description", "inputs", "outputs", "retry", "maxConcurrentSteps", "steps", "observers");
        if (fields is null)
        {
            return null;
        }

        var name = _read.Text(fields, "name", "a workflow", node.Position, required: true);
        var what = name is { } named ? $"workflow '{named.Value}'" : "a workflow";
        var version = fields.TryGetValue("version", out var versionNode)
            ? _read.Integer(versionNode, $"the version of {what}", minimum: 1)
            : new Located<int>(1, node.Position);
        var inputs = fields.ContainsKey("inputs") ? Shape(fields, "inputs", what, node.Position) : ValueShape.Any;
        var outputs = fields.ContainsKey("outputs") ? Shape(fields, "outputs", what, node.Position) : null;
        var retry = fields.TryGetValue("retry", out var retryNode) ? Retry(retryNode, what) : null;
        var maxConcurrent = fields.TryGetValue("maxConcurrentSteps", out var maxNode) ? _read.Integer(maxNode, $"'maxConcurrentSteps' of {what}", minimum: 0)?.Value : 0;
        var steps = new List<StepDefinition>();
        var allStepsRead = false;
        if (!fields.TryGetValue("steps", out var stepsNode))
        {
            _read.Error(node.Position, $"{NodeReader.Capitalized(what)} has no 'steps'.");
        }
        else
        {
            var items = _read.Items(stepsNode, $"the steps of {what}");
            if (items.Count == 0 && stepsNode is SequenceNode)
            {
                _read.Error(stepsNode.Position, $"{NodeReader.Capitalized(what)} has no steps.");
            }

            steps.AddRange(items.Select(item => Step(item, what)).OfType<StepDefinition>());
            allStepsRead = steps.Count == items.Count && items.Count > 0 && !steps.Any(step => step.Action is UnreadAction);
        }

        var observers = fields.TryGetValue("observers", out var observersNode)
            ? _read.Items(observersNode, $"the observers of {what}").Select(item => Observer(item, what)).OfType<ObserverDefinition>().ToList()
            : [];
        return name is null || version is null || inputs is null || maxConcurrent is null
            ? null
            : new WorkflowDefinition(name.Value, version.Value, _read.Text(fields, "description", what, node.Position)?.Value, inputs, outputs, retry, maxConcurrent.Value, steps, observers, allStepsRead);
    }

    private StepDefinition? Step(DefinitionNode node, string workflow)
    {
        var fields = _read.Fields(
            node,
            $"a step of {workflow}",
            "name", "description", "retry", "input", "onFailure", "dependencies", "task", "service", "timeout", "if", "goTo", "waitForSignal", "onTimeout", "outputs", "sleep");
        if (fields is null)
        {
            return null;
        }

        var name = _read.Text(fields, "name", $"a step of {workflow}", node.Position, required: true);
        var what = name is { } named ? $"step '{named.Value}'" : $"a step of {workflow}";
        var actionKeys = StepActionKeys.Where(fields.ContainsKey).ToList();
        if (actionKeys.Count == 0 && fields.ContainsKey("goTo"))
        {
            actionKeys.Add("goTo"); // a jump without a condition
        }

        if (actionKeys.Count != 1)
        {
            _read.Error(node.Position, actionKeys.Count == 0
                ? $"{NodeReader.Capitalized(what)} does nothing: give it one of {string.Join(", ", StepActionKeys)}, goTo."
                : $"{NodeReader.Capitalized(what)} has {string.Join(" and ", actionKeys)}; a step does one of {string.Join(", ", StepActionKeys)}.");
        }

        var action = actionKeys is [var kind] ? Action(kind, fields, what, node.Position) ?? new UnreadAction(kind) : new UnreadAction(string.Join(" and ", actionKeys));
        var retry = fields.TryGetValue("retry", out var retryNode) ? Retry(retryNode, what) : null;
        var input = fields.TryGetValue("input", out var inputNode) ? Mapping(inputNode, what) : null;
        var onFailure = fields.TryGetValue("onFailure", out var onFailureNode) ? _read.Text(onFailureNode, $"'onFailure' of {what}") : null;
        var dependencies = fields.TryGetValue("dependencies", out var dependenciesNode)
            ? _read.Items(dependenciesNode, $"the dependencies of {what}").Select(item => _read.Text(item, $"a dependency of {what}")).OfType<Located<string>>().ToList()
            : [];
        return name is null
            ? null
            : new StepDefinition(name.Value, _read.Text(fields, "description", what, node.Position)?.Value, retry, input, onFailure, dependencies, action);
    }

    private StepAction? Action(string kind, Dictionary<string, DefinitionNode> fields, string what, SourcePosition position)
    {
        KeysOnlyFor(fields, what, kind, ("timeout", ["service", "waitForSignal"]), ("goTo", ["if", "goTo"]), ("onTimeout", ["waitForSignal"]), ("outputs", ["waitForSignal"]));
        var node = fields[kind];
        switch (kind)
        {
            case "task":
                return _read.Text(node, $"the task of {what}") is { } task ? new TaskAction(task) : null;
            case "service":
                var timeout = fields.TryGetValue("timeout", out var serviceTimeout) ? _read.Duration(serviceTimeout, $"the timeout of {what}") : null;
                return _read.Text(node, $"the service of {what}") is { } service ? new ServiceAction(service, timeout) : null;
            case "if":
                var condition = Condition(node, what);
                var target = _read.Text(fields, "goTo", what, position, required: true);
                return condition is null || target is null ? null : new JumpAction(condition, target.Value);
            case "goTo":
                return _read.Text(node, $"'goTo' of {what}") is { } always ? new JumpAction(null, always) : null;
            case "waitForSignal":
                var signal = _read.Text(node, $"the signal of {what}");
                var signalTimeout = fields.TryGetValue("timeout", out var timeoutNode) ? _read.Duration(timeoutNode, $"the timeout of {what}") : null;
                var onTimeout = fields.TryGetValue("onTimeout", out var onTimeoutNode) ? _read.Text(onTimeoutNode, $"'onTimeout' of {what}") : null;
                if (onTimeout is { } late && signalTimeout is null && !fields.ContainsKey("timeout"))
                {
                    _read.Error(late.Position, $"{NodeReader.Capitalized(what)} names 'onTimeout' but no 'timeout'.");
                }

                var payload = fields.ContainsKey("outputs") ? Shape(fields, "outputs", what, position) : ValueShape.Any;
                return signal is null || payload is null ? null : new SignalAction(signal.Value.Value, signalTimeout, onTimeout, payload);
            default:
                return _read.Duration(node, $"the sleep of {what}") is { } delay ? new SleepAction(delay) : null;
        }
    }

    /// <summary>Errors for keys that belong to other kinds of step than <paramref name="kind"/>.</summary>
    private void KeysOnlyFor(Dictionary<string, DefinitionNode> fields, string what, string kind, params (string Key, string[] Kinds)[] rules)
    {
        foreach (var (key, kinds) in rules)
        {
            if (fields.TryGetValue(key, out var node) && !kinds.Contains(kind))
            {
                _read.Error(node.Position, $"'{key}' belongs to a step with {string.Join(" or ", kinds)}; {what} has {kind}.");
            }
        }
    }

    private Condition? Condition(DefinitionNode node, string what)
    {
        var operators = Enum.GetNames<ConditionOperator>().Select(name => char.ToLowerInvariant(name[0]) + name[1..]).ToArray();
        var fields = _read.Fields(node, $"the condition of {what}", ["field", .. operators]);
        if (fields is null)
        {
            return null;
        }

        var field = _read.Text(fields, "field", $"the condition of {what}", node.Position, required: true);
        if (field is { } path)
        {
            CheckPath(path, what);
        }

        var given = operators.Where(fields.ContainsKey).ToList();
        if (given.Count != 1)
        {
            _read.Error(node.Position, $"The condition of {what} compares with one of {string.Join(", ", operators)}.");
            return null;
        }

        var op = Enum.Parse<ConditionOperator>(given[0], ignoreCase: true);
        if (fields[given[0]] is not ScalarNode operand)
        {
            _read.Error(fields[given[0]].Position, $"The condition of {what} compares with a single value, not {fields[given[0]].Kind}.");
            return null;
        }

        if (op == ConditionOperator.Exists && _read.Boolean(operand, $"'exists' in the condition of {what}") is null)
        {
            return null;
        }

        if (op is ConditionOperator.GreaterThan or ConditionOperator.LessThan or ConditionOperator.AtLeast or ConditionOperator.AtMost
            && NodeReader.Json(operand).ValueKind != System.Text.Json.JsonValueKind.Number)
        {
            _read.Error(operand.Position, $"'{given[0]}' in the condition of {what} compares with a number, not {NodeReader.Describe(operand)}.");
            return null;
        }

        return field is null ? null : new Condition(field.Value, op, NodeReader.Json(operand));
    }

    private InputMapping? Mapping(DefinitionNode node, string what)
    {
        if (node is not MappingNode mapping)
        {
            _read.Error(node.Position, $"The input of {what} must map each input field to a path in the value the step receives (text: upper.text), not {node.Kind}.");
            return null;
        }

        var fields = new List<KeyValuePair<string, Located<string>>>();
        foreach (var (key, value) in mapping.Entries)
        {
            if (_read.Text(value, $"the path of input field '{key.Value}' of {what}") is { } path && CheckPath(path, what))
            {
                fields.Add(new(key.Value!, path));
            }
        }

        return new InputMapping(fields);
    }

    private bool CheckPath(Located<string> path, string what)
    {
        if (path.Value == InputMapping.Whole || path.Value.Split('.').All(segment => segment.Length > 0 && !segment.Any(char.IsWhiteSpace)))
        {
            return true;
        }

        _read.Error(path.Position, $"'{path.Value}' in {what} is not a path: write field names joined by dots (order.total), or $ for the whole value.");
        return false;
    }

    private RetryPolicy? Retry(DefinitionNode node, string what)
    {
        var fields = _read.Fields(node, $"the retry of {what}", "attempts", "delay", "maxDelay", "multiplier");
        if (fields is null)
        {
            return null;
        }

        var attempts = fields.TryGetValue("attempts", out var attemptsNode) ? _read.Integer(attemptsNode, $"'attempts' in the retry of {what}", minimum: 1) : null;
        var delay = fields.TryGetValue("delay", out var delayNode) ? _read.Duration(delayNode, $"'delay' in the retry of {what}") : null;
        var maxDelay = fields.TryGetValue("maxDelay", out var maxNode) ? _read.Duration(maxNode, $"'maxDelay' in the retry of {what}") : null;
        var multiplier = fields.TryGetValue("multiplier", out var multiplierNode) ? _read.Integer(multiplierNode, $"'multiplier' in the retry of {what}", minimum: 1) : null;
        if (!fields.ContainsKey("attempts"))
        {
            _read.Error(node.Position, $"The retry of {what} has no 'attempts' (attempts in all, the first included).");
            return null;
        }

        var defaults = RetryPolicy.Exponential(1).Backoff;
        var backoff = defaults with
        {
            InitialDelay = delay ?? defaults.InitialDelay,
            MaxDelay = maxDelay ?? Max(delay ?? defaults.InitialDelay, defaults.MaxDelay),
            Multiplier = multiplier?.Value ?? defaults.Multiplier,
        };
        if (backoff.MaxDelay < backoff.InitialDelay)
        {
            _read.Error(maxNode!.Position, $"'maxDelay' in the retry of {what} is shorter than its 'delay'.");
            return null;
        }

        return attempts is null ? null : new RetryPolicy { MaxAttempts = attempts.Value.Value, Backoff = backoff };
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private ObserverDefinition? Observer(DefinitionNode node, string what)
    {
        var fields = _read.Fields(node, $"an observer of {what}", "webhook", "file", "on");
        if (fields is null)
        {
            return null;
        }

        if (fields.ContainsKey("webhook") == fields.ContainsKey("file"))
        {
            _read.Error(node.Position, $"An observer of {what} is either a 'webhook' (an address to POST to) or a 'file' (a path to append to).");
            return null;
        }

        var webhook = fields.ContainsKey("webhook");
        var events = webhook ? ObservedEvents.Completed | ObservedEvents.Failed : ObservedEvents.All;
        if (fields.TryGetValue("on", out var onNode))
        {
            events = ObservedEvents.None;
            foreach (var item in _read.Items(onNode, $"'on' of an observer of {what}"))
            {
                if (item is ScalarNode { Value: { } name } && Enum.TryParse<ObservedEvents>(name, ignoreCase: true, out var observed) && observed is not ObservedEvents.None and not ObservedEvents.All
                    && char.IsLower(name[0]))
                {
                    events |= observed;
                }
                else
                {
                    _read.Error(item.Position, $"An observer of {what} can be told of started, stepCompleted, completed, failed, aborted and cancelled, not {NodeReader.Describe(item)}.");
                }
            }
        }

        if (webhook)
        {
            var url = _read.Text(fields["webhook"], $"the webhook of {what}");
            if (url is { } address && !ConfigurationReference.IsReference(address.Value)
                && !(Uri.TryCreate(address.Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            {
                _read.Error(address.Position, $"The webhook of {what} must be an absolute http or https address, or a ${{configuration:key}} reference, not '{address.Value}'.");
                return null;
            }

            return url is null ? null : new WebhookObserverDefinition(events, url.Value);
        }

        return _read.Text(fields["file"], $"the log file of {what}") is { } file
            ? new FileObserverDefinition(events, Path.GetFullPath(file.Value, _folder)) // relative to the file that declares it
            : null;
    }

    /// <summary>The declared fields under <paramref name="key"/>: each field's name and its kind (<c>text: string</c>) or spec (<c>text: { type: string, required: false }</c>).</summary>
    private ValueShape? Shape(Dictionary<string, DefinitionNode> fields, string key, string what, SourcePosition owner, bool required = false)
    {
        if (!fields.TryGetValue(key, out var node))
        {
            if (required)
            {
                _read.Error(owner, $"{NodeReader.Capitalized(what)} has no '{key}'.");
            }

            return null;
        }

        return ObjectShape(node, $"the {key} of {what}");
    }

    private ValueShape? ObjectShape(DefinitionNode node, string what)
    {
        if (node is ScalarNode { Value: null })
        {
            return ValueShape.Object(new Dictionary<string, FieldShape>());
        }

        if (node is not MappingNode mapping)
        {
            _read.Error(node.Position, $"{NodeReader.Capitalized(what)} must map each field name to its type, not {node.Kind}.");
            return null;
        }

        var shapeFields = new Dictionary<string, FieldShape>(StringComparer.Ordinal);
        var sound = true;
        foreach (var (key, value) in mapping.Entries)
        {
            if (Field(value, $"field '{key.Value}' of {what}") is { } field)
            {
                shapeFields[key.Value!] = field;
            }
            else
            {
                sound = false;
            }
        }

        return sound ? ValueShape.Object(shapeFields) : null;
    }

    private FieldShape? Field(DefinitionNode node, string what)
    {
        if (node is ScalarNode)
        {
            return Kind(node, what) is { } kind ? new FieldShape(new ValueShape(kind), Required: true) : null;
        }

        var fields = _read.Fields(node, what, "type", "description", "required", "items", "fields");
        if (fields is null)
        {
            return null;
        }

        if (!fields.TryGetValue("type", out var typeNode))
        {
            _read.Error(node.Position, $"{NodeReader.Capitalized(what)} has no 'type'.");
            return null;
        }

        var type = Kind(typeNode, what);
        var required = fields.TryGetValue("required", out var requiredNode) ? _read.Boolean(requiredNode, $"'required' of {what}") : true;
        ValueShape? shape = type is null ? null : new ValueShape(type.Value);
        if (fields.TryGetValue("items", out var itemsNode))
        {
            var items = type == ValueKind.Array ? ItemShape(itemsNode, $"the items of {what}") : null;
            if (type != ValueKind.Array)
            {
                _read.Error(itemsNode.Position, $"'items' belongs to a field of type array; {what} is not one.");
            }

            shape = items is null ? null : shape! with { Items = items };
        }

        if (fields.TryGetValue("fields", out var nested))
        {
            var objectShape = type == ValueKind.Object ? ObjectShape(nested, what) : null;
            if (type != ValueKind.Object)
            {
                _read.Error(nested.Position, $"'fields' belongs to a field of type object; {what} is not one.");
            }

            shape = objectShape;
        }

        return shape is null || required is null ? null : new FieldShape(shape, required.Value, _read.Text(fields, "description", what, node.Position)?.Value);
    }

    private ValueShape? ItemShape(DefinitionNode node, string what) =>
        node is ScalarNode ? (Kind(node, what) is { } kind ? new ValueShape(kind) : null) : Field(node, what)?.Shape;

    private ValueKind? Kind(DefinitionNode node, string what)
    {
        if (node is ScalarNode { Value: { } name } && ValueShape.TryParseKind(name, out var kind))
        {
            return kind;
        }

        _read.Error(node.Position, $"The type of {what} must be one of {ValueShape.KindNames}, not {NodeReader.Describe(node)}.");
        return null;
    }
}
