// Answer extraction steps and scorers, on hand-written outputs with hand-derived answers.
#include "rwkv/harness/extraction.h"

#include <gtest/gtest.h>

#include "rwkv/harness/scorers.h"

namespace rwkv::harness {
namespace {

ExtractPipeline Pipeline(std::vector<ExtractStep> steps) { return {"p", std::move(steps)}; }
ExtractStep Op(const std::string& op, bool last = false) { return {op, "", 0, last}; }
ExtractStep Re(const std::string& re, int group, bool last) { return {"regex", re, group, last}; }

TEST(Extraction, NumericNormalization) {
  EXPECT_EQ(NormalizeNumber("$1,234"), "1234");
  EXPECT_EQ(NormalizeNumber(" 2949. "), "2949");
  EXPECT_EQ(NormalizeNumber("78.0"), "78");
  EXPECT_EQ(NormalizeNumber("-0.50"), "-0.5");
  EXPECT_EQ(NormalizeNumber("007"), "7");
  EXPECT_EQ(NormalizeNumber("zero"), "0");
  EXPECT_EQ(NormalizeNumber("Twenty-one"), "21");
  EXPECT_EQ(NormalizeNumber("0.25"), "0.25");
  EXPECT_EQ(NormalizeNumber("two apples"), "two apples");  // not a single number
  EXPECT_EQ(NumberWordValue("ninety-nine"), 99);
  EXPECT_EQ(NumberWordValue("apple"), -1);
}

TEST(Extraction, FirstAndLastNumberIncludingWords) {
  const auto last = Pipeline({Op("number", true)}), first = Pipeline({Op("number")});
  const std::string gpt =
      "After Becky gives 1 apple to Nancy, Becky will have zero apples left. … So, the answer "
      "is Becky has zero apples left.";
  EXPECT_EQ(Extract(last, gpt), "0");
  EXPECT_EQ(Extract(first, gpt), "1");
  EXPECT_EQ(Extract(last, "Two apples."), "2");
  EXPECT_EQ(Extract(last, "The answer is $29+49 = 78$ …"), "78");
  EXPECT_EQ(Extract(last, "Based on the pattern provided, 29 + 49 would be equal to 2949."),
            "2949");
  EXPECT_EQ(Extract(last, "It costs $1,250.00 in total."), "1250");
  EXPECT_EQ(Extract(last, "5-3 is 2, and 2-5 is -3"), "-3");
  EXPECT_EQ(Extract(last, "no digits here"), "");
  EXPECT_EQ(Extract(first, "x1 then 4"), "4");  // "x1" is a name, not a number
}

TEST(Extraction, RegexGroupFirstAndLast) {
  const std::string text = "answer: 12; answer: 34";
  EXPECT_EQ(Extract(Pipeline({Re("answer: (\\d+)", 1, false)}), text), "12");
  EXPECT_EQ(Extract(Pipeline({Re("answer: (\\d+)", 1, true)}), text), "34");
  EXPECT_EQ(Extract(Pipeline({Re("answer: (\\d+)", 0, true)}), text), "answer: 34");
  EXPECT_EQ(Extract(Pipeline({Re("nothing", 0, false)}), text), "");
  EXPECT_FALSE(ValidateStep(Re("(a", 0, false)).ok());
  EXPECT_FALSE(ValidateStep(Re("(a)", 2, false)).ok());
  EXPECT_TRUE(ValidateStep(Re("(a)", 1, false)).ok());
}

TEST(Extraction, LineCaseStripAndBoxed) {
  EXPECT_EQ(Extract(Pipeline({Op("first_line")}), "\n\n  Paris\nis the capital"), "Paris");
  EXPECT_EQ(Extract(Pipeline({Op("strip"), Op("lowercase")}), "  YES \n"), "yes");
  EXPECT_EQ(Extract(Pipeline({Op("boxed")}), "so \\boxed{1} or \\boxed{\\frac{1}{2}} done"),
            "\\frac{1}{2}");
  EXPECT_EQ(Extract(Pipeline({Op("boxed")}), "no box"), "");
  EXPECT_EQ(Extract(Pipeline({Op("boxed"), Op("numeric")}), "\\boxed{ 1,000 }"), "1000");
}

TEST(Extraction, StrictAndFlexibleSideBySide) {
  // The strict pipeline of the bundled integer suites: the first line must be the number.
  const auto strict =
      Pipeline({Op("first_line"),
                Re("^\\s*\\$?(-?[0-9][0-9,]*(\\.[0-9]+)?)\\s*\\.?\\s*$", 1, false), Op("numeric")});
  const auto flexible = Pipeline({Op("number", true)});
  EXPECT_EQ(Extract(strict, " 42.\nbecause"), "42");
  EXPECT_EQ(Extract(strict, "The answer is 42"), "");
  EXPECT_EQ(Extract(flexible, "The answer is 42"), "42");
}

Scorer S(const std::string& type) { return {type, 0, "", false}; }

TEST(Scorers, EachType) {
  EXPECT_EQ(Score(S("exact"), "42", "42"), 1.0);
  EXPECT_EQ(Score(S("exact"), "42 ", "42"), 0.0);
  Scorer ci = S("exact");
  ci.ignore_case = true;
  EXPECT_EQ(Score(ci, "Paris", "paris"), 1.0);
  EXPECT_EQ(Score(S("contains"), "it is 2949 I think", "2949"), 1.0);
  EXPECT_EQ(Score(S("contains"), "it is 29", "2949"), 0.0);
  Scorer re = S("regex");
  re.pattern = "^[A-D]$";
  EXPECT_EQ(Score(re, "C", "ignored"), 1.0);
  EXPECT_EQ(Score(re, "CD", "ignored"), 0.0);
  Scorer num = S("numeric");
  num.tolerance = 0.01;
  EXPECT_EQ(Score(num, "3.141", "3.14"), 1.0);
  EXPECT_EQ(Score(num, "3.2", "3.14"), 0.0);
  EXPECT_EQ(Score(num, "$1,000", "1000"), 1.0);
  EXPECT_EQ(Score(num, "many", "1000"), 0.0);
  EXPECT_EQ(Score(S("code_output"), "\n1\n2  \r\n\n", "1\n2"), 1.0);
  EXPECT_EQ(Score(S("code_output"), "1\n3", "1\n2"), 0.0);
  // token F1: answer {the, cat, sat}, target {a, cat, sat, down}: common 2, P 2/3, R 2/4.
  EXPECT_NEAR(Score(S("token_f1"), "The cat sat.", "a cat sat down"),
              2 * (2.0 / 3) * (0.5) / (2.0 / 3 + 0.5), 1e-12);
  EXPECT_FALSE(ValidateScorer(S("fuzzy")).ok());
  EXPECT_FALSE(ValidateScorer(S("regex")).ok());
}

}  // namespace
}  // namespace rwkv::harness
