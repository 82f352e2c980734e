namespace Aventora.Persistence.Domains;

/// <summary>
/// How ids derived from a domain (batch uuids, idempotency scopes) tell tenants of one name apart: the first domain of a name
/// (generation 0, and every domain from before 1.24.0) keeps the plain name, so its ids do not change; a domain created
/// again after a delete derives from <c>name~generation</c>.
/// </summary>
public static class Tenants
{
    public static string Key(string domainName, int generation) => generation == 0 ? domainName : $"{domainName}~{generation}";
}
