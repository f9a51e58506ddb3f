// The bundled suites: sizes, the questions from the public comparison, and answer keys
// checked independently of the generators (hand-derived rules, python3 for Python programs, a
// C compiler for C programs when one is installed).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "rwkv/harness/suite_loader.h"
#include "shared_data.h"
#include "test_files.h"

namespace rwkv::harness {
namespace {

using ::rwkv::testing::TempDir;

Suite Load(const std::string& name) {
  auto s = LoadSuite(ResolveSuitePath(name), {});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : Suite{};
}

size_t CountItems(const Suite& s) {
  size_t n = 0;
  for (const Task& t : s.tasks) n += t.items.size();
  return n;
}

const Item* FindItem(const Suite& s, const std::string& task, const std::string& id) {
  const Task* t = s.FindTask(task);
  if (!t) return nullptr;
  for (const Item& i : t->items) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

TEST(BundledSuites, EveryBundledSuiteValidates) {
  const auto files = BundledSuites();
  EXPECT_GE(files.size(), 4u);
  for (const std::string& f : files) {
    auto s = LoadSuite(f, {});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
  }
}

TEST(BundledSuites, ArithmeticSizeAndTheApplesQuestion) {
  const Suite s = Load("arithmetic");
  EXPECT_GE(CountItems(s), 200u);
  const Item* apples = FindItem(s, "word_problems", "nancy-becky-apples");
  ASSERT_NE(apples, nullptr);
  EXPECT_EQ(apples->fields.at("question"),
            "If Nancy had two apples and Becky had 1 apple. Becky gives her 1 apple to Nancy, how "
            "many apples becky has ?");
  EXPECT_EQ(apples->fields.at("answer"), "0");
}

// Every "What is A op B?" item: the answer is recomputed from the question text.
TEST(BundledSuites, ArithmeticAnswerKey) {
  const Suite s = Load("arithmetic");
  const std::regex q(R"(^What is (-?\d+) ([-+*]) (-?\d+)\?$)");
  int checked = 0;
  std::set<std::string> digits;
  for (const Task& t : s.tasks) {
    for (const Item& i : t.items) {
      std::smatch m;
      const std::string& question = i.fields.at("question");
      if (!std::regex_match(question, m, q)) continue;
      const long long a = std::stoll(m[1]), b = std::stoll(m[3]);
      const long long v = m[2] == "+" ? a + b : m[2] == "-" ? a - b : a * b;
      EXPECT_EQ(i.fields.at("answer"), std::to_string(v)) << t.name << "/" << i.id;
      // Difficulty: both operands have exactly the task's number of digits (1-digit: 0..9).
      const int d = t.name[4] - '0';
      EXPECT_LE(std::to_string(a).size(), static_cast<size_t>(d));
      EXPECT_LE(std::to_string(b).size(), static_cast<size_t>(d));
      digits.insert(t.name.substr(4, 1));
      ++checked;
    }
  }
  EXPECT_EQ(checked, 180);
  EXPECT_EQ(digits, (std::set<std::string>{"1", "2", "3", "4"}));
}

// Word problems: replay the story with a tiny interpreter of its sentence forms.
TEST(BundledSuites, WordProblemAnswerKey) {
  const Suite s = Load("arithmetic");
  const Task* t = s.FindTask("word_problems");
  ASSERT_NE(t, nullptr);
  const std::regex start(R"(^(\w+) has (\d+) (\w+) and (\w+) has (\d+) \w+\.)");
  const std::regex sentence(
      R"( (\w+) (buys|finds|gives|receives|loses|still has no) ?(\d+)?( more)? ?(?:\w+)?(?: to (\w+))?(?: boxes with (\d+) \w+ in each box)?\.)");
  const std::regex ask(R"( How many \w+ does (\w+) have now\?$)");
  int checked = 0;
  for (const Item& i : t->items) {
    if (i.id.rfind("word_problem", 0) != 0) continue;
    const std::string& q = i.fields.at("question");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(q, m, start)) << q;
    std::map<std::string, long> count = {{m[1], std::stol(m[2])}, {m[4], std::stol(m[5])}};
    std::string rest = m.suffix();
    std::smatch a;
    ASSERT_TRUE(std::regex_search(rest, a, ask)) << q;
    const std::string who = a[1];
    std::string body = rest.substr(0, static_cast<size_t>(a.position(0)));
    for (auto it = std::sregex_iterator(body.begin(), body.end(), sentence);
         it != std::sregex_iterator(); ++it) {
      const std::string name = (*it)[1], verb = (*it)[2];
      const long k = (*it)[3].matched ? std::stol((*it)[3]) : 0;
      if (verb == "buys" || verb == "finds") count[name] += k;
      if (verb == "loses") count[name] -= k;
      if (verb == "gives") {
        count[name] -= k;
        count[(*it)[5]] += k;
      }
      if (verb == "receives") count[name] += k * std::stol((*it)[6]);
    }
    EXPECT_EQ(i.fields.at("answer"), std::to_string(count[who])) << q;
    ++checked;
  }
  EXPECT_EQ(checked, 30);
}

TEST(BundledSuites, PatternsSizeAndTheConcatenationQuestion) {
  const Suite s = Load("patterns");
  EXPECT_GE(CountItems(s), 100u);
  const Item* concat = FindItem(s, "number_rules", "concat-29-49");
  ASSERT_NE(concat, nullptr);
  EXPECT_EQ(concat->fields.at("question"),
            "Given two numbers provide answer as follows 3 + 9 = 39 1 + 2 = 12 2 + 9 = 29 What is "
            "29 + 49");
  EXPECT_EQ(concat->fields.at("answer"), "2949");
  std::set<std::string> rules;
  for (const Task& t : s.tasks) {
    for (const Item& i : t.items) {
      if (i.fields.count("rule")) rules.insert(i.fields.at("rule"));
    }
  }
  EXPECT_EQ(rules.size(), 8u);  // number, letter and list rules all present
}

// Each rule re-derived from the examples in the question.
TEST(BundledSuites, PatternsAnswerKey) {
  const Suite s = Load("patterns");
  int checked = 0;
  auto numbers = [](const std::string& text) {
    std::vector<long> v;
    const std::regex n(R"(\d+)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), n); it != std::sregex_iterator();
         ++it) {
      v.push_back(std::stol(it->str()));
    }
    return v;
  };
  for (const Task& t : s.tasks) {
    for (const Item& i : t.items) {
      if (!i.fields.count("rule")) continue;
      const std::string& rule = i.fields.at("rule");
      const std::string& q = i.fields.at("question");
      const std::string& answer = i.fields.at("answer");
      std::string expected;
      if (rule == "concat") {
        const auto v = numbers(q.substr(q.find("What is")));
        expected = std::to_string(v[0]) + std::to_string(v[1]);
      } else if (rule == "arithmetic_sequence") {
        const auto v = numbers(q);
        expected = std::to_string(v.back() + (v[1] - v[0]));
      } else if (rule == "geometric_sequence") {
        const auto v = numbers(q);
        expected = std::to_string(v.back() * (v[1] / v[0]));
      } else if (rule == "letter_sequence") {
        const std::regex l(R"(([A-Z]), ([A-Z]), ([A-Z]), ([A-Z])\?)");
        std::smatch m;
        ASSERT_TRUE(std::regex_search(q, m, l));
        expected =
            std::string(1, static_cast<char>(m[4].str()[0] + (m[2].str()[0] - m[1].str()[0])));
      } else if (rule == "letter_shift") {
        const std::regex ex(R"((\w+) -> (\w+);)");
        std::smatch m;
        ASSERT_TRUE(std::regex_search(q, m, ex));
        const int k = (m[2].str()[0] - m[1].str()[0] + 26) % 26;
        std::string w = q.substr(q.find("what does ") + 10);
        w = w.substr(0, w.find(' '));
        for (char& c : w) c = static_cast<char>('a' + (c - 'a' + k) % 26);
        expected = w;
      } else if (rule == "list_reverse" || rule == "list_sort") {
        std::string last = q.substr(q.find("what does ") + 10);
        auto v = numbers(last.substr(0, last.find(']')));
        if (rule == "list_reverse")
          std::reverse(v.begin(), v.end());
        else
          std::sort(v.begin(), v.end());
        expected = "[";
        for (size_t k = 0; k < v.size(); ++k) expected += (k ? ", " : "") + std::to_string(v[k]);
        expected += "]";
      } else if (rule == "digit_reverse") {
        std::string n = std::to_string(numbers(q.substr(q.find("what does"))).at(0));
        expected = std::string(n.rbegin(), n.rend());
      }
      EXPECT_EQ(answer, expected) << rule << ": " << q;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 99);
}

TEST(BundledSuites, CodeSizeAndLanguages) {
  const Suite s = Load("code");
  EXPECT_GE(CountItems(s), 100u);
  std::map<std::string, int> langs;
  for (const Task& t : s.tasks) {
    for (const Item& i : t.items) ++langs[i.fields.at("language")];
  }
  EXPECT_GE(langs["python"], 50);
  EXPECT_GE(langs["c"], 50);
}

// Runs every Python program with python3 (one process) and compares what it prints.
TEST(BundledSuites, PythonAnswersConfirmedByPython3) {
  if (std::system("python3 -c 'pass' > /dev/null 2>&1") != 0) GTEST_SKIP() << "python3 not found";
  const Suite s = Load("code");
  nlohmann::json programs = nlohmann::json::array();
  std::vector<std::string> answers;
  for (const Task& t : s.tasks) {
    for (const Item& i : t.items) {
      if (i.fields.at("language") != "python") continue;
      programs.push_back(i.fields.at("code"));
      answers.push_back(i.fields.at("answer"));
    }
  }
  const std::string dir = TempDir("code");
  rwkv::testing::WriteTestFile(dir, "programs.json", programs.dump());
  rwkv::testing::WriteTestFile(dir, "run.py",
                               "import contextlib, io, json, sys\n"
                               "out = []\n"
                               "for src in json.load(open(sys.argv[1])):\n"
                               "    buf = io.StringIO()\n"
                               "    with contextlib.redirect_stdout(buf):\n"
                               "        exec(src, {})\n"
                               "    out.append(buf.getvalue().strip())\n"
                               "json.dump(out, open(sys.argv[2], 'w'))\n");
  ASSERT_EQ(
      std::system(("python3 " + dir + "/run.py " + dir + "/programs.json " + dir + "/outputs.json")
                      .c_str()),
      0);
  std::ifstream in(dir + "/outputs.json");
  nlohmann::json outputs;
  in >> outputs;
  ASSERT_EQ(outputs.size(), answers.size());
  for (size_t k = 0; k < answers.size(); ++k) {
    EXPECT_EQ(outputs[k].get<std::string>(), answers[k]) << programs[k].get<std::string>();
  }
}

// Compiles and runs every C program when a C compiler is installed.
TEST(BundledSuites, CAnswersConfirmedByACompiler) {
  if (std::system("cc --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler (cc)";
  const Suite s = Load("code");
  const Task* t = s.FindTask("c_trace");
  ASSERT_NE(t, nullptr);
  // One program per item, built by one make -j2 so the test stays fast.
  const std::string dir = TempDir("c-code");
  std::string makefile = "all:";
  for (size_t k = 0; k < t->items.size(); ++k) makefile += " p" + std::to_string(k) + ".out";
  makefile += "\n%.out: %.c\n\tcc -O0 -w -o $*.bin $< && ./$*.bin > $@\n";
  rwkv::testing::WriteTestFile(dir, "Makefile", makefile);
  for (size_t k = 0; k < t->items.size(); ++k) {
    rwkv::testing::WriteTestFile(dir, "p" + std::to_string(k) + ".c",
                                 t->items[k].fields.at("code"));
  }
  ASSERT_EQ(std::system(("make -s -j2 -C " + dir + " > /dev/null").c_str()), 0);
  for (size_t k = 0; k < t->items.size(); ++k) {
    std::string out = rwkv::testing::ReadFileBytes(dir + "/p" + std::to_string(k) + ".out");
    while (!out.empty() && out.back() == '\n') out.pop_back();
    EXPECT_EQ(out, t->items[k].fields.at("answer")) << t->items[k].fields.at("code");
  }
}

TEST(BundledSuites, LambadaReadsTheDataDir) {
  const Suite without = Load("lambada");
  ASSERT_EQ(without.tasks.size(), 1u);
  EXPECT_FALSE(without.tasks[0].missing_data.empty());
  REQUIRE_SHARED();
  LoadOptions opts;
  opts.data_dir = rwkv::testing::SharedPath("datasets");
  auto s = LoadSuite(ResolveSuitePath("lambada"), opts);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const Task& t = s->tasks[0];
  EXPECT_EQ(t.items.size(), 5153u);  // the lambada_openai test split
  // Item 0: context = text without its last word, target word = the last word.
  const std::string text = t.items[0].fields.at("text");
  const size_t space = text.rfind(' ');
  EXPECT_EQ(t.items[0].fields.at("context"), text.substr(0, space));
  EXPECT_EQ(t.items[0].fields.at("last_word"), "signs");
  EXPECT_EQ(t.delimiters.before_target, " ");
  EXPECT_EQ(t.kind, TaskKind::kLoglikelihood);
}

}  // namespace
}  // namespace rwkv::harness
