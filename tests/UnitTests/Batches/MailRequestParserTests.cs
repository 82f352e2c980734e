using Aventora.Ingress.Api.EmailPull;

namespace Aventora.UnitTests.Batches;

public sealed class MailRequestParserTests
{
    [Fact]
    public void Key_lines_then_a_blank_line_then_the_instruction()
    {
        var request = MailRequestParser.Parse("\r\nPhone: +14155550123\r\nchannel: wvoice\r\nName: Ana\r\n\r\nBook a cleaning.\r\nThanks!", "wmsg", "informational", out var reason);
        Assert.Null(reason);
        Assert.Equal("+14155550123", request!.PhoneNumber);
        Assert.Equal("wvoice", request.Channel);
        Assert.Equal("informational", request.Type);
        Assert.Equal("Ana", request.Name);
        Assert.Equal("Book a cleaning.\nThanks!", request.Instruction);
    }

    [Fact]
    public void Without_a_channel_line_the_mailbox_default_applies_and_prose_is_refused()
    {
        Assert.Equal("wmsg", MailRequestParser.Parse("phone: +14155550123\n\nHi", "wmsg", "informational", out _)!.Channel);
        Assert.Null(MailRequestParser.Parse("Could you call my aunt?\n\nThanks", "wmsg", "informational", out var reason));
        Assert.Contains("phone", reason);
    }
}
