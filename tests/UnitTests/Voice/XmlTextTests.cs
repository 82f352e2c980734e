using System.Xml.Linq;
using Aventora.ServiceDefaults.Text;

namespace Aventora.UnitTests.Voice;

public sealed class XmlTextTests
{
    [Theory]
    [InlineData("Call\u0001 Jane", "Call Jane")]
    [InlineData("a\uFFFEb\uFFFFc", "abc")]
    [InlineData("Tabs\tand\nlines stay; emoji 😀 stays", "Tabs\tand\nlines stay; emoji 😀 stays")]
    public void Forbidden_characters_are_dropped_so_the_document_parses(string text, string said)
    {
        var twiml = $"<Response><Say>{XmlText.Escape(text)}</Say></Response>";
        Assert.Equal(said, XDocument.Parse(twiml).Root!.Element("Say")!.Value);
    }

    [Fact]
    public void An_unpaired_surrogate_is_dropped() =>
        Assert.Equal("lone  surrogate", XmlText.Escape("lone " + (char)0xD800 + " surrogate"));

    [Fact]
    public void Markup_is_escaped() =>
        Assert.Equal("&lt;Hangup/&gt; &amp; &quot;", XmlText.Escape("<Hangup/> & \""));
}
