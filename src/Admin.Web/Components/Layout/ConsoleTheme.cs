using MudBlazor;

namespace Aventora.Admin.Web.Components.Layout;

public static class ConsoleTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#1f5f8b", AppbarBackground = "#1f5f8b", Secondary = "#2e7d32" },
        Typography = new Typography { Default = new DefaultTypography { FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"] } },
    };
}
