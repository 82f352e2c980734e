using Aventora.TwilioEmulator.Inspection;

namespace Aventora.TwilioEmulator.Accounts;

internal static class AccountEndpoints
{
    public static void MapAccountAdmin(this IEndpointRouteBuilder app)
    {
        app.MapPost("/_emulator/accounts", (AccountCredentials account, AccountStore accounts) =>
        {
            if (string.IsNullOrWhiteSpace(account.Sid) || string.IsNullOrEmpty(account.AuthToken))
                return Results.BadRequest(new { error = "sid and auth_token are required" });
            accounts.Add(account);
            // The token is never echoed back.
            return Results.Ok(new AccountInfo(account.Sid));
        });
        app.MapGet("/_emulator/accounts", (AccountStore accounts) => accounts.Sids.Select(s => new AccountInfo(s)));
    }
}
