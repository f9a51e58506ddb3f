#include "rwkv/harness/generators.h"

#include <algorithm>
#include <functional>
#include <sstream>

#include "yaml_fields.h"

namespace rwkv::harness {

namespace {

// splitmix64: a small, portable, well-mixed generator (identical on every platform).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform integer in [lo, hi]. REQUIRES: lo <= hi.
  int64_t Int(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(Int(0, static_cast<int64_t>(v.size()) - 1))];
  }

 private:
  uint64_t state_;
};

using Params = std::map<std::string, std::string>;
using Fields = std::map<std::string, std::string>;

std::string Str(int64_t v) { return std::to_string(v); }

int64_t Pow10(int d) {
  int64_t p = 1;
  while (d-- > 0) p *= 10;
  return p;
}

// ---- arithmetic ----

StatusOr<Fields> Arithmetic(Rng& rng, const Params& p) {
  const int digits = std::stoi(p.at("digits"));
  std::string op = p.at("op");
  if (op == "mixed") op = rng.Pick(std::vector<std::string>{"add", "sub", "mul"});
  const int64_t lo = digits == 1 ? 0 : Pow10(digits - 1), hi = Pow10(digits) - 1;
  int64_t a = rng.Int(lo, hi), b = rng.Int(lo, hi);
  if (op == "sub" && p.at("allow_negative") == "false" && a < b) std::swap(a, b);
  const int64_t answer = op == "add" ? a + b : op == "sub" ? a - b : a * b;
  const std::string sym = op == "add" ? "+" : op == "sub" ? "-" : "*";
  return Fields{{"question", "What is " + Str(a) + " " + sym + " " + Str(b) + "?"},
                {"answer", Str(answer)},
                {"a", Str(a)},
                {"b", Str(b)},
                {"op", op},
                {"difficulty", Str(digits)}};
}

// ---- word problems ----

const std::vector<std::string> kNames = {"Nancy", "Becky", "Omar",  "Lena", "Ravi",
                                         "Mia",   "Tom",   "Sofia", "Ken",  "Ada"};
const std::vector<std::string> kObjects = {"apples",  "pencils", "stickers", "marbles",
                                           "cookies", "books",   "coins",    "shells"};

StatusOr<Fields> WordProblem(Rng& rng, const Params& p) {
  const int steps = std::stoi(p.at("steps"));
  const std::string obj = rng.Pick(kObjects);
  const int64_t ia = rng.Int(0, 9);
  int64_t ib = rng.Int(0, 9);
  while (kNames[ib] == kNames[ia]) ib = rng.Int(0, 9);
  const std::string names[2] = {kNames[ia], kNames[ib]};
  int64_t count[2] = {rng.Int(2, 20), rng.Int(2, 20)};
  std::string text = names[0] + " has " + Str(count[0]) + " " + obj + " and " + names[1] + " has " +
                     Str(count[1]) + " " + obj + ".";
  for (int s = 0; s < steps; ++s) {
    const int who = static_cast<int>(rng.Int(0, 1));
    const std::string& n = names[who];
    switch (rng.Int(0, 3)) {
      case 0: {
        const int64_t k = rng.Int(1, 9);
        text += " " + n + " buys " + Str(k) + " more " + obj + ".";
        count[who] += k;
        break;
      }
      case 1: {
        if (count[who] == 0) {
          const int64_t k = rng.Int(1, 5);
          text += " " + n + " finds " + Str(k) + " " + obj + ".";
          count[who] += k;
          break;
        }
        const int64_t k = rng.Int(1, count[who]);
        text += " " + n + " gives " + Str(k) + " " + obj + " to " + names[1 - who] + ".";
        count[who] -= k;
        count[1 - who] += k;
        break;
      }
      case 2: {
        const int64_t boxes = rng.Int(2, 4), each = rng.Int(2, 6);
        text += " " + n + " receives " + Str(boxes) + " boxes with " + Str(each) + " " + obj +
                " in each box.";
        count[who] += boxes * each;
        break;
      }
      default: {
        if (count[who] == 0) {
          text += " " + n + " still has no " + obj + ".";
          break;
        }
        const int64_t k = rng.Int(1, count[who]);
        text += " " + n + " loses " + Str(k) + " " + obj + ".";
        count[who] -= k;
        break;
      }
    }
  }
  const int ask = static_cast<int>(rng.Int(0, 1));
  text += " How many " + obj + " does " + names[ask] + " have now?";
  return Fields{{"question", text}, {"answer", Str(count[ask])}, {"difficulty", Str(steps)}};
}

// ---- patterns ----

std::string JoinList(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + Str(v[i]);
  return s + "]";
}

const std::vector<std::string> kPatternRules = {
    "concat",       "arithmetic_sequence", "geometric_sequence", "letter_sequence",
    "letter_shift", "list_reverse",        "list_sort",          "digit_reverse"};

const std::vector<std::string> kWords = {"cat", "dog", "sun", "map", "pen", "cup",
                                         "hat", "box", "fig", "jam", "owl", "key"};

std::string Shift(const std::string& w, int k) {
  std::string out = w;
  for (char& c : out) c = static_cast<char>('a' + (c - 'a' + k) % 26);
  return out;
}

StatusOr<Fields> Pattern(Rng& rng, const Params& p) {
  std::string rule = p.at("rule");
  if (rule == "mixed") rule = rng.Pick(kPatternRules);
  std::string q, a;
  if (rule == "concat") {
    std::string sym = rng.Pick(std::vector<std::string>{"+", "+", "*", "#"});
    q = "Given two numbers provide answer as follows";
    for (int i = 0; i < 3; ++i) {
      const int64_t x = rng.Int(1, 9), y = rng.Int(1, 9);
      q += " " + Str(x) + " " + sym + " " + Str(y) + " = " + Str(x) + Str(y);
    }
    const int64_t x = rng.Int(10, 99), y = rng.Int(10, 99);
    q += " What is " + Str(x) + " " + sym + " " + Str(y);
    a = Str(x) + Str(y);
  } else if (rule == "arithmetic_sequence") {
    const int64_t start = rng.Int(1, 30), step = rng.Int(2, 12), n = rng.Int(4, 6);
    q = "What number comes next in the sequence";
    for (int64_t i = 0; i < n; ++i) q += (i ? ", " : " ") + Str(start + i * step);
    q += "?";
    a = Str(start + n * step);
  } else if (rule == "geometric_sequence") {
    const int64_t start = rng.Int(1, 5), ratio = rng.Int(2, 4);
    int64_t v = start;
    q = "What number comes next in the sequence";
    for (int i = 0; i < 4; ++i, v *= ratio) q += (i ? ", " : " ") + Str(v);
    q += "?";
    a = Str(v);
  } else if (rule == "letter_sequence") {
    const int64_t step = rng.Int(1, 3), start = rng.Int(0, 25 - 4 * step);
    q = "What letter comes next in the sequence";
    for (int i = 0; i < 4; ++i) {
      q += std::string(i ? ", " : " ") + static_cast<char>('A' + start + i * step);
    }
    q += "?";
    a = std::string(1, static_cast<char>('A' + start + 4 * step));
  } else if (rule == "letter_shift") {
    const int k = static_cast<int>(rng.Int(1, 3));
    std::vector<std::string> words = kWords;
    for (size_t i = words.size() - 1; i > 0; --i) {
      std::swap(words[i], words[static_cast<size_t>(rng.Int(0, static_cast<int64_t>(i)))]);
    }
    q = "Each word is changed by the same rule:";
    for (int i = 0; i < 3; ++i) q += " " + words[i] + " -> " + Shift(words[i], k) + ";";
    q += " what does " + words[3] + " become?";
    a = Shift(words[3], k);
  } else if (rule == "list_reverse" || rule == "list_sort") {
    q = "Each list is transformed by the same rule:";
    auto apply = [&](std::vector<int64_t> v) {
      if (rule == "list_reverse") {
        std::reverse(v.begin(), v.end());
      } else {
        std::sort(v.begin(), v.end());
      }
      return v;
    };
    std::vector<int64_t> v;
    for (int i = 0; i < 3; ++i) {
      v.assign(static_cast<size_t>(rng.Int(3, 5)), 0);
      for (auto& x : v) x = rng.Int(1, 20);
      q += " " + JoinList(v) + " -> " + JoinList(apply(v)) + ";";
    }
    v.assign(static_cast<size_t>(rng.Int(3, 5)), 0);
    for (auto& x : v) x = rng.Int(1, 20);
    q += " what does " + JoinList(v) + " become?";
    a = JoinList(apply(v));
  } else {  // digit_reverse
    q = "Follow the pattern:";
    for (int i = 0; i < 3; ++i) {
      const std::string n = Str(rng.Int(100, 999));
      q += " " + n + " -> " + std::string(n.rbegin(), n.rend()) + ";";
    }
    const std::string n = Str(rng.Int(1000, 9999));
    q += " what does " + n + " become?";
    a = std::string(n.rbegin(), n.rend());
  }
  return Fields{{"question", q}, {"answer", a}, {"rule", rule}};
}

// ---- code tracing ----

struct Program {
  std::string python, c, var;  // var: the printed variable
  int64_t output = 0;
};

std::string CMain(const std::string& body, const std::string& before = "") {
  return "#include <stdio.h>\n\n" + before + "int main(void) {\n" + body + "  return 0;\n}\n";
}

Program SumLoop(Rng& rng) {
  const int64_t a = rng.Int(0, 5), b = rng.Int(a + 3, a + 10), k = rng.Int(1, 5);
  Program p;
  p.var = "total";
  for (int64_t i = a; i < b; ++i) p.output += i * k;
  p.python = "total = 0\nfor i in range(" + Str(a) + ", " + Str(b) + "):\n    total += i * " +
             Str(k) + "\nprint(total)\n";
  p.c = CMain("  int total = 0;\n  for (int i = " + Str(a) + "; i < " + Str(b) +
              "; i++) {\n    total += i * " + Str(k) + ";\n  }\n  printf(\"%d\\n\", total);\n");
  return p;
}

Program Collatz(Rng& rng) {
  int64_t n = rng.Int(6, 60);
  Program p;
  p.var = "steps";
  const int64_t start = n;
  while (n > 1) {
    n = n % 2 == 0 ? n / 2 : 3 * n + 1;
    ++p.output;
  }
  p.python = "n = " + Str(start) +
             "\nsteps = 0\nwhile n > 1:\n    if n % 2 == 0:\n        n = n // 2\n    else:\n"
             "        n = 3 * n + 1\n    steps += 1\nprint(steps)\n";
  p.c = CMain("  int n = " + Str(start) +
              ";\n  int steps = 0;\n  while (n > 1) {\n    if (n % 2 == 0) {\n      n = n / 2;\n"
              "    } else {\n      n = 3 * n + 1;\n    }\n    steps++;\n  }\n"
              "  printf(\"%d\\n\", steps);\n");
  return p;
}

Program CondAccumulate(Rng& rng) {
  const int64_t n = rng.Int(5, 15), m = rng.Int(2, 4);
  Program p;
  p.var = "x";
  for (int64_t i = 0; i < n; ++i) p.output += i % m == 0 ? i : -1;
  p.python = "x = 0\nfor i in range(" + Str(n) + "):\n    if i % " + Str(m) +
             " == 0:\n        x += i\n    else:\n        x -= 1\nprint(x)\n";
  p.c = CMain("  int x = 0;\n  for (int i = 0; i < " + Str(n) + "; i++) {\n    if (i % " + Str(m) +
              " == 0) {\n      x += i;\n    } else {\n      x -= 1;\n    }\n  }\n"
              "  printf(\"%d\\n\", x);\n");
  return p;
}

Program Fibonacci(Rng& rng) {
  const int64_t n = rng.Int(3, 15);
  Program p;
  p.var = "a";
  int64_t a = 0, b = 1;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = a + b;
    a = b;
    b = t;
  }
  p.output = a;
  p.python = "a, b = 0, 1\nfor _ in range(" + Str(n) + "):\n    a, b = b, a + b\nprint(a)\n";
  p.c = CMain("  int a = 0, b = 1;\n  for (int i = 0; i < " + Str(n) +
              "; i++) {\n    int t = a + b;\n    a = b;\n    b = t;\n  }\n"
              "  printf(\"%d\\n\", a);\n");
  return p;
}

Program NestedCall(Rng& rng) {
  const int64_t m = rng.Int(2, 4), q = rng.Int(-3, 5), c = rng.Int(0, 6);
  Program p;
  p.var = "y";
  auto f = [&](int64_t x) { return x * m + q; };
  p.output = f(f(c));
  const std::string qs = q < 0 ? " - " + Str(-q) : " + " + Str(q);
  p.python =
      "def f(x):\n    return x * " + Str(m) + qs + "\n\ny = f(f(" + Str(c) + "))\nprint(y)\n";
  p.c = CMain("  int y = f(f(" + Str(c) + "));\n  printf(\"%d\\n\", y);\n",
              "int f(int x) {\n  return x * " + Str(m) + qs + ";\n}\n\n");
  return p;
}

Program PairCount(Rng& rng) {
  const int64_t n = rng.Int(2, 7), m = rng.Int(2, 7);
  Program p;
  p.var = "count";
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) p.output += i < j ? 1 : 0;
  }
  p.python = "count = 0\nfor i in range(" + Str(n) + "):\n    for j in range(" + Str(m) +
             "):\n        if i < j:\n            count += 1\nprint(count)\n";
  p.c = CMain("  int count = 0;\n  for (int i = 0; i < " + Str(n) +
              "; i++) {\n    for (int j = 0; j < " + Str(m) +
              "; j++) {\n      if (i < j) {\n        count++;\n      }\n    }\n  }\n"
              "  printf(\"%d\\n\", count);\n");
  return p;
}

Program ArgMax(Rng& rng) {
  std::vector<int64_t> v(static_cast<size_t>(rng.Int(4, 7)));
  for (auto& x : v) x = rng.Int(1, 50);
  Program p;
  p.var = "best";
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] > v[static_cast<size_t>(p.output)]) p.output = static_cast<int64_t>(i);
  }
  std::string py_list = JoinList(v), c_list = "{" + py_list.substr(1, py_list.size() - 2) + "}";
  p.python = "values = " + py_list +
             "\nbest = 0\nfor i in range(len(values)):\n    if values[i] > values[best]:\n"
             "        best = i\nprint(best)\n";
  p.c = CMain("  int values[] = " + c_list + ";\n  int best = 0;\n  for (int i = 0; i < " +
              Str(static_cast<int64_t>(v.size())) +
              "; i++) {\n    if (values[i] > values[best]) {\n      best = i;\n    }\n  }\n"
              "  printf(\"%d\\n\", best);\n");
  return p;
}

Program DoubleMinus(Rng& rng) {
  const int64_t s = rng.Int(1, 9), n = rng.Int(2, 6);
  Program p;
  p.var = "x";
  int64_t x = s;
  for (int64_t i = 1; i <= n; ++i) x = x * 2 - i;
  p.output = x;
  p.python =
      "x = " + Str(s) + "\nfor i in range(1, " + Str(n + 1) + "):\n    x = x * 2 - i\nprint(x)\n";
  p.c = CMain("  int x = " + Str(s) + ";\n  for (int i = 1; i <= " + Str(n) +
              "; i++) {\n    x = x * 2 - i;\n  }\n  printf(\"%d\\n\", x);\n");
  return p;
}

StatusOr<Fields> CodeTrace(Rng& rng, const Params& p) {
  static const std::vector<std::function<Program(Rng&)>> kShapes = {
      SumLoop, Collatz, CondAccumulate, Fibonacci, NestedCall, PairCount, ArgMax, DoubleMinus};
  const std::string lang = p.at("language");
  const Program prog = rng.Pick(kShapes)(rng);
  const bool python = lang == "python";
  const std::string code = python ? prog.python : prog.c;
  const std::string lang_name = python ? "Python" : "C";
  const bool ask_value = rng.Int(0, 1) == 1;
  std::string q = ask_value ? "What is the value of `" + prog.var + "` when this " + lang_name +
                                  " program finishes?"
                            : "What does this " + lang_name + " program print?";
  q += "\n\n```" + std::string(python ? "python" : "c") + "\n" + code + "```";
  return Fields{{"question", q},
                {"answer", Str(prog.output)},
                {"code", code},
                {"language", python ? "python" : "c"}};
}

struct Registered {
  GeneratorInfo info;
  std::function<StatusOr<Fields>(Rng&, const Params&)> make;
};

const std::vector<Registered>& Registry() {
  static const std::vector<Registered> kRegistry = {
      {{"arithmetic",
        "n-digit addition, subtraction, multiplication: question, answer, a, b, op, difficulty",
        {{"digits", "2", "1..6"},
         {"op", "add", "add | sub | mul | mixed"},
         {"allow_negative", "false", "true | false (sub: allow a result below zero)"}}},
       Arithmetic},
      {{"word_problem",
        "multi-step problems about two people exchanging objects: question, answer, difficulty",
        {{"steps", "2", "1..6"}}},
       WordProblem},
      {{"pattern",
        "a rule shown by examples, then a new case: question, answer, rule",
        {{"rule", "mixed",
          "mixed | concat | arithmetic_sequence | geometric_sequence | letter_sequence | "
          "letter_shift | list_reverse | list_sort | digit_reverse"}}},
       Pattern},
      {{"code_trace",
        "a generated program and what it prints: question, answer, code, language",
        {{"language", "python", "python | c"}}},
       CodeTrace},
  };
  return kRegistry;
}

Status CheckParam(const std::string& gen, const std::string& name, const std::string& value) {
  auto bad = [&](const std::string& allowed) {
    return Status::InvalidArgument("generator '" + gen + "' parameter '" + name +
                                   "': invalid value '" + value + "'; allowed: " + allowed);
  };
  auto int_in = [&](int lo, int hi) -> Status {
    try {
      size_t used = 0;
      const int v = std::stoi(value, &used);
      if (used == value.size() && v >= lo && v <= hi) return Status::Ok();
    } catch (const std::exception&) {
    }
    return bad(Str(lo) + ".." + Str(hi));
  };
  auto one_of = [&](const std::vector<std::string>& allowed) -> Status {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return Status::Ok();
    return bad(JoinNames(allowed));
  };
  if (name == "digits") return int_in(1, 6);
  if (name == "steps") return int_in(1, 6);
  if (name == "op") return one_of({"add", "sub", "mul", "mixed"});
  if (name == "allow_negative") return one_of({"true", "false"});
  if (name == "language") return one_of({"python", "c"});
  if (name == "rule") {
    std::vector<std::string> rules = kPatternRules;
    rules.insert(rules.begin(), "mixed");
    return one_of(rules);
  }
  return Status::Ok();
}

}  // namespace

const std::vector<GeneratorInfo>& Generators() {
  static const std::vector<GeneratorInfo> kInfos = [] {
    std::vector<GeneratorInfo> v;
    for (const auto& r : Registry()) v.push_back(r.info);
    return v;
  }();
  return kInfos;
}

const GeneratorInfo* FindGenerator(const std::string& name) {
  for (const auto& g : Generators()) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

StatusOr<std::vector<Item>> RunGenerator(const std::string& name, uint64_t seed, int count,
                                         const std::map<std::string, std::string>& params,
                                         const std::string& id_prefix) {
  const Registered* reg = nullptr;
  std::vector<std::string> names;
  for (const auto& r : Registry()) {
    names.push_back(r.info.name);
    if (r.info.name == name) reg = &r;
  }
  if (!reg) {
    const std::string near = ClosestName(name, names);
    return Status::InvalidArgument("unknown generator '" + name + "'" +
                                   (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                                   "; allowed: " + JoinNames(names));
  }
  Params full;
  std::vector<std::string> param_names;
  for (const auto& gp : reg->info.params) {
    full[gp.name] = gp.default_value;
    param_names.push_back(gp.name);
  }
  for (const auto& [k, v] : params) {
    if (!full.count(k)) {
      const std::string near = ClosestName(k, param_names);
      return Status::InvalidArgument("generator '" + name + "': unknown parameter '" + k + "'" +
                                     (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                                     "; allowed: " + JoinNames(param_names));
    }
    RETURN_IF_ERROR(CheckParam(name, k, v));
    full[k] = v;
  }
  Rng rng(seed);
  std::vector<Item> items;
  for (int i = 1; i <= count; ++i) {
    ASSIGN_OR_RETURN(Fields f, reg->make(rng, full));
    Item item;
    item.id = id_prefix + std::to_string(i);
    item.fields = std::move(f);
    item.origin = "generator " + name + " #" + std::to_string(i);
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace rwkv::harness
