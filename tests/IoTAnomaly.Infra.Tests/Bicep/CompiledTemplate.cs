using System.Text.Json;

namespace IoTAnomaly.Infra.Tests.Bicep;

/// <summary>One resource of the compiled ARM template, with the (nested) template that declares it.</summary>
/// <param name="Type">The resource type, e.g. <c>Microsoft.Storage/storageAccounts</c>.</param>
/// <param name="Resource">The resource's JSON.</param>
/// <param name="Template">The template (main or a module's nested template) that declares it.</param>
public sealed record TemplateResource(string Type, JsonElement Resource, JsonElement Template)
{
    /// <summary>The resource's <c>properties</c> object.</summary>
    public JsonElement Properties => Resource.GetProperty("properties");
}

/// <summary>infra-bicep/main.bicep compiled once per test run and shared by every test class.</summary>
public static class CompiledTemplate
{
    private static readonly Lazy<(BicepResult Result, JsonDocument? Document)> Build = new(() =>
    {
        var result = BicepCli.Run(BicepCli.InfraDirectory, "build", "main.bicep", "--stdout");
        var document = result.ExitCode == 0 ? JsonDocument.Parse(result.StandardOutput) : null;
        return (result, document);
    });

    /// <summary>The result of <c>bicep build main.bicep --stdout</c>.</summary>
    public static BicepResult BuildResult => Build.Value.Result;

    /// <summary>The compiled ARM template (fails the calling test when the build failed).</summary>
    public static JsonElement Root
    {
        get
        {
            var document = Build.Value.Document;
            Assert.IsNotNull(document, "main.bicep did not compile: " + BuildResult.Describe());
            return document.RootElement;
        }
    }

    /// <summary>Every resource in the template and in the nested templates of its modules.</summary>
    public static IReadOnlyList<TemplateResource> Resources => ResourcesOf(Root).ToArray();

    /// <summary>The resources of one type (case-insensitive, as ARM treats types).</summary>
    public static IReadOnlyList<TemplateResource> OfType(string type) =>
        Resources.Where(r => string.Equals(r.Type, type, StringComparison.OrdinalIgnoreCase)).ToArray();

    /// <summary>The single resource of a type; fails when there is not exactly one.</summary>
    public static TemplateResource Single(string type)
    {
        var matches = OfType(type);
        Assert.HasCount(1, matches, $"expected exactly one {type}");
        return matches[0];
    }

    /// <summary>All JSON objects anywhere below <paramref name="element"/> (depth first), including itself.</summary>
    public static IEnumerable<JsonElement> Objects(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            yield return element;
            foreach (var property in element.EnumerateObject())
            {
                foreach (var inner in Objects(property.Value))
                {
                    yield return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                foreach (var inner in Objects(item))
                {
                    yield return inner;
                }
            }
        }
    }

    private static IEnumerable<TemplateResource> ResourcesOf(JsonElement template)
    {
        if (!template.TryGetProperty("resources", out var resources))
        {
            yield break;
        }

        // languageVersion 2.0 templates keep resources in an object keyed by symbolic name; 1.0 in an array.
        var items = resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(p => p.Value)
            : resources.EnumerateArray();

        foreach (var resource in items)
        {
            if (resource.TryGetProperty("existing", out var existing) && existing.ValueKind == JsonValueKind.True)
            {
                continue;
            }

            var type = resource.GetProperty("type").GetString() ?? string.Empty;
            yield return new TemplateResource(type, resource, template);

            if (string.Equals(type, "Microsoft.Resources/deployments", StringComparison.OrdinalIgnoreCase)
                && resource.GetProperty("properties").TryGetProperty("template", out var nested))
            {
                foreach (var inner in ResourcesOf(nested))
                {
                    yield return inner;
                }
            }
        }
    }
}
