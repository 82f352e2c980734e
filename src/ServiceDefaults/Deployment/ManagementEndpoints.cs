using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Aventora.ServiceDefaults.Deployment;

/// <summary>
/// Marks an endpoint as operational and answers 404 (as if it were not there) where <see cref="ManagementOptions"/> keeps it
/// closed. The check reads the port the connection arrived on, not the Host header, which any caller can write.
/// </summary>
public static class ManagementEndpoints
{
    private sealed class Marker;

    private static readonly Marker Operational = new();

    public static TBuilder ForManagement<TBuilder>(this TBuilder endpoint) where TBuilder : IEndpointConventionBuilder =>
        endpoint.WithMetadata(Operational);

    public static WebApplication UseManagementEndpoints(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ManagementOptions>>();
        var deployment = app.Services.GetRequiredService<DeploymentSafety>();
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<Marker>() is not null && !options.Value.Allows(context.Connection.LocalPort, deployment))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(context);
        });
        return app;
    }
}
