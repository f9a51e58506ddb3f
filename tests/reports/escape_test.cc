#include "rwkv/reports/escape.h"

#include <gtest/gtest.h>

#include <cmath>

namespace rwkv::reports {
namespace {

TEST(EscapeTest, HtmlEscapesEveryMarkupCharacter) {
  EXPECT_EQ(HtmlEscape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(HtmlEscape("\"><img src=x onerror=alert(1)>"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(HtmlEscape("a & b 'c'"), "a &amp; b &#39;c&#39;");
  EXPECT_EQ(HtmlEscape("plain ünïcode"), "plain ünïcode");
}

TEST(EscapeTest, XmlReplacesForbiddenControlCharacters) {
  EXPECT_EQ(XmlEscape("a\x01"
                      "b<'\"&\n"),
            "a\xEF\xBF\xBD"
            "b&lt;&apos;&quot;&amp;\n");
}

TEST(EscapeTest, CsvQuotesAndDefusesFormulas) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(CsvField("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(CsvField("-1.5"), "-1.5");
  EXPECT_EQ(CsvField("@cmd"), "'@cmd");
}

TEST(EscapeTest, ScriptJsonCannotCloseTheScriptElement) {
  EXPECT_EQ(ScriptSafeJson(R"(["</script><script>x</script>","a&b<!--"])"),
            R"(["\u003c/script\u003e\u003cscript\u003ex\u003c/script\u003e","a\u0026b\u003c!--"])");
}

TEST(EscapeTest, FormatsNumbers) {
  EXPECT_EQ(FormatNumber(0.75), "0.75");
  EXPECT_EQ(FormatNumber(1.0 / 3, 4), "0.3333");
  EXPECT_EQ(FormatNumber(std::nan("")), "");
}

}  // namespace
}  // namespace rwkv::reports
