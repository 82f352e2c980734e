using Aventora.Ingress.Api.Idempotency;

namespace Aventora.UnitTests.Idempotency;

/// <summary>Which answers an Idempotency-Key keeps for replay: the definitive ones; those that say "try again" let the retry work.</summary>
public sealed class DefinitiveAnswerTests
{
    [Theory]
    [InlineData(200, true)]
    [InlineData(201, true)]
    [InlineData(202, true)]
    [InlineData(400, true)]
    [InlineData(403, true)]
    [InlineData(404, true)]
    [InlineData(422, true)]
    [InlineData(408, false)]
    [InlineData(409, false)]
    [InlineData(429, false)]
    [InlineData(499, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public void Only_definitive_answers_are_kept_for_replay(int status, bool kept) =>
        Assert.Equal(kept, IdempotencyMiddleware.IsDefinitive(status));
}
