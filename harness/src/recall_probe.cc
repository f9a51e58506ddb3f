#include "rwkv/harness/recall_probe.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>

namespace rwkv::harness {

using adapters::GenerateRequest;
using adapters::GenerationParams;
using adapters::LoglikelihoodRequest;
using adapters::ModelAdapter;
using adapters::Session;

namespace {

const char* const kInstruction =
    "There is an important info hidden inside a lot of irrelevant text. Find it and memorize "
    "them. I will quiz you about the important information there.";
const std::vector<std::string> kPasskeyFiller = {"The grass is green.", "The sky is blue.",
                                                 "The sun is yellow.", "Here we go.",
                                                 "There and back again."};

// Streaming FNV-1a, so a forked prompt's digest is a copy of the state.
struct Digest {
  uint64_t h = 1469598103934665603ull;
  void Add(const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  }
  std::string Hex() const {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
  }
};

// The text of one trial: everything before the filler, the question and the answer.
struct TrialText {
  std::string facts;                    // instruction + fact(s); for kNeedle only the instruction
  std::string needle;                   // kNeedle: the fact placed inside the haystack
  std::string question;                 // appended after the filler
  std::string answer;                   // expected answer, without the leading space
  std::vector<std::string> all_values;  // kMultiValue: every value must appear
};

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  uint64_t Below(uint64_t n) { return g_() % n; }
  std::string Digits(int n) {
    std::string s(1, static_cast<char>('1' + Below(9)));
    while (static_cast<int>(s.size()) < n) s += static_cast<char>('0' + Below(10));
    return s;
  }
  std::string Name() {
    std::string s;
    for (int i = 0; i < 3; ++i) s += static_cast<char>('A' + Below(26));
    return s;
  }

 private:
  std::mt19937_64 g_;
};

TrialText MakeTrial(const RecallSpec& spec, int trial) {
  Rng rng(spec.seed * 1000003ull + static_cast<uint64_t>(trial) * 7919ull + 17);
  TrialText t;
  const std::string intro = kInstruction;
  switch (spec.kind) {
    case RecallKind::kPasskey:
    case RecallKind::kNeedle: {
      const std::string k = rng.Digits(spec.digits);
      const std::string fact =
          " The pass key is " + k + ". Remember it. " + k + " is the pass key.";
      if (spec.kind == RecallKind::kNeedle) {
        t.facts = intro;
        t.needle = fact;
      } else {
        t.facts = intro + fact;
      }
      t.question = " What is the pass key? The pass key is";
      t.answer = k;
      break;
    }
    case RecallKind::kMultiKey: {
      std::set<std::string> used;
      std::vector<std::pair<std::string, std::string>> keys;
      while (static_cast<int>(keys.size()) < spec.distractors + 1) {
        std::string name = rng.Name();
        if (used.insert(name).second) keys.emplace_back(name, rng.Digits(spec.digits));
      }
      t.facts = intro;
      for (const auto& [name, k] : keys) {
        t.facts += " The pass key for " + name + " is " + k + ". Remember it.";
      }
      const auto& asked = keys[rng.Below(keys.size())];
      t.question =
          " What is the pass key for " + asked.first + "? The pass key for " + asked.first + " is";
      t.answer = asked.second;
      break;
    }
    case RecallKind::kMultiValue: {
      const std::string name = rng.Name();
      t.facts = intro;
      for (int i = 0; i < spec.values; ++i) {
        const std::string v = rng.Digits(spec.digits);
        t.all_values.push_back(v);
        t.facts += " One of the special magic numbers for " + name + " is: " + v + ".";
      }
      t.question = " What are all the special magic numbers for " + name +
                   "? The special magic numbers for " + name + " are:";
      for (size_t i = 0; i < t.all_values.size(); ++i) {
        t.answer += (i ? ", " : "") + t.all_values[i];
      }
      break;
    }
    case RecallKind::kVariableTracking: {
      std::set<std::string> used;
      std::vector<std::string> names;
      while (static_cast<int>(names.size()) < spec.hops + 1) {
        std::string n = rng.Name();
        if (used.insert(n).second) names.push_back(n);
      }
      const std::string v = rng.Digits(spec.digits);
      t.facts = intro + " VAR " + names[0] + " = " + v + ".";
      for (size_t i = 1; i < names.size(); ++i) {
        t.facts += " VAR " + names[i] + " = VAR " + names[i - 1] + ".";
      }
      t.question = " What is the value of VAR " + names.back() + "? The value of VAR " +
                   names.back() + " is";
      t.answer = v;
      break;
    }
  }
  return t;
}

bool IsCorrect(const TrialText& t, const std::string& output) {
  if (!t.all_values.empty()) {
    for (const std::string& v : t.all_values) {
      if (output.find(v) == std::string::npos) return false;
    }
    return true;
  }
  const size_t start = output.find_first_not_of(" \t\n");
  return start != std::string::npos && output.compare(start, t.answer.size(), t.answer) == 0;
}

class FillerCursor {
 public:
  explicit FillerCursor(const std::vector<std::string>& sentences) : s_(sentences) {}
  std::string Next() { return " " + s_[i_++ % s_.size()]; }
  size_t index() const { return i_; }

 private:
  const std::vector<std::string>& s_;
  size_t i_ = 0;
};

Status CheckIncreasing(const std::vector<int64_t>& v, const char* what) {
  if (v.empty()) return Status::InvalidArgument(std::string("recall probe: no ") + what);
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < 0 || (i > 0 && v[i] <= v[i - 1])) {
      return Status::InvalidArgument(std::string("recall probe: ") + what +
                                     " must be non-negative and increasing");
    }
  }
  return Status::Ok();
}

// Scores the question at a checkpoint, one way or the other.
class Scorer {
 public:
  Scorer(ModelAdapter& model, const RecallSpec& spec) : model_(model), spec_(spec) {}

  Status FromSession(const Session& at, const TrialText& t, RecallResult* r) {
    std::unique_ptr<Session> s = at.Fork();
    RETURN_IF_ERROR(s->Append(t.question));
    ASSIGN_OR_RETURN(adapters::LoglikelihoodResult ll, s->Loglikelihood(" " + t.answer));
    ASSIGN_OR_RETURN(adapters::GenerateResult g, s->Generate(Params(ll.n_tokens)));
    Fill(t, ll.logprob, g.text, r);
    return Status::Ok();
  }

  Status FromPrompt(const std::string& context, const TrialText& t, const std::string& item_id,
                    RecallResult* r) {
    LoglikelihoodRequest lr;
    lr.item_id = item_id;
    lr.context = context;
    lr.continuation = " " + t.answer;
    auto ll = model_.Loglikelihood(lr);
    double logprob = NAN;
    int n_tokens = static_cast<int>(t.answer.size());
    if (ll.ok()) {
      logprob = ll->logprob;
      n_tokens = ll->n_tokens;
    } else if (ll.status().code() != StatusCode::kUnsupported) {
      return ll.status();
    }
    GenerateRequest gr;
    gr.item_id = item_id;
    gr.prompt = context;
    gr.params = Params(n_tokens);
    ASSIGN_OR_RETURN(adapters::GenerateResult g, model_.Generate(gr));
    Fill(t, logprob, g.text, r);
    return Status::Ok();
  }

 private:
  GenerationParams Params(int answer_tokens) const {
    GenerationParams p;
    p.max_tokens = answer_tokens + spec_.max_answer_tokens;
    p.sampling.temperature = 0.0f;
    return p;
  }
  static void Fill(const TrialText& t, double logprob, const std::string& out, RecallResult* r) {
    r->answer = t.answer;
    r->output = out;
    r->correct = IsCorrect(t, out);
    r->answer_logprob = logprob;
  }

  ModelAdapter& model_;
  const RecallSpec& spec_;
};

int64_t DefaultCount(const std::string& s) { return static_cast<int64_t>(s.size() / 4); }

using CountFn = std::function<int64_t(const std::string&)>;

// Filler appended since a mark, measured in tokens: by the session when there is one, else by
// counting the filler text gathered for a whole prompt.
class FillerRun {
 public:
  FillerRun(Session* session, const CountFn& count)
      : s_(session), count_(count), base_(session ? session->tokens() : 0) {}
  int64_t tokens() const { return s_ ? s_->tokens() - base_ : count_(text_); }
  const std::string& text() const { return text_; }
  // Appends filler sentences until at least `target` tokens have been appended.
  Status FillTo(int64_t target, FillerCursor* cursor, Digest* digest) {
    while (tokens() < target) {
      const std::string piece = cursor->Next();
      digest->Add(piece);
      if (s_) {
        RETURN_IF_ERROR(s_->Append(piece));
      } else {
        text_ += piece;
      }
    }
    return Status::Ok();
  }

 private:
  Session* s_;
  const CountFn& count_;
  int64_t base_;
  std::string text_;
};

// Distance probes: facts, then filler, checkpoints at each distance.
Status RunDistances(ModelAdapter& model, const RecallSpec& spec, const RecallOptions& opts,
                    const std::vector<std::string>& filler, bool sessions,
                    std::vector<RecallResult>* out) {
  Scorer scorer(model, spec);
  auto count = opts.count_tokens ? opts.count_tokens : DefaultCount;
  for (int trial = spec.first_trial; trial < spec.first_trial + spec.trials; ++trial) {
    const TrialText t = MakeTrial(spec, trial);
    FillerCursor cursor(filler);
    Digest digest;
    digest.Add(t.facts);
    std::unique_ptr<Session> s;
    if (sessions) {
      ASSIGN_OR_RETURN(s, model.NewSession());
      RETURN_IF_ERROR(s->Append(t.facts));
    }
    FillerRun filler_run(s.get(), count);
    for (int64_t target : spec.distances) {
      RETURN_IF_ERROR(filler_run.FillTo(target, &cursor, &digest));
      const int64_t have = filler_run.tokens();
      RecallResult r;
      r.trial = trial;
      r.target = target;
      r.distance = have;
      r.filler_sentences = static_cast<int>(cursor.index());
      Digest full = digest;
      full.Add(t.question);
      r.prompt_digest = full.Hex();
      if (sessions) {
        RETURN_IF_ERROR(scorer.FromSession(*s, t, &r));
      } else {
        const std::string id = std::string(RecallKindName(spec.kind)) + "/" +
                               std::to_string(trial) + "/" + std::to_string(target);
        RETURN_IF_ERROR(scorer.FromPrompt(t.facts + filler_run.text() + t.question, t, id, &r));
      }
      if (opts.on_result) opts.on_result(r);
      out->push_back(std::move(r));
    }
  }
  return Status::Ok();
}

// Needle in a haystack: each (length, depth) cell is its own pass over its haystack.
Status RunNeedle(ModelAdapter& model, const RecallSpec& spec, const RecallOptions& opts,
                 const std::vector<std::string>& filler, bool sessions,
                 std::vector<RecallResult>* out) {
  Scorer scorer(model, spec);
  auto count = opts.count_tokens ? opts.count_tokens : DefaultCount;
  for (int trial = spec.first_trial; trial < spec.first_trial + spec.trials; ++trial) {
    const TrialText t = MakeTrial(spec, trial);
    for (double depth : spec.depths) {
      for (int64_t length : spec.lengths) {
        const int64_t pre = static_cast<int64_t>(std::llround(depth * static_cast<double>(length)));
        const int64_t post = length - pre;
        FillerCursor cursor(filler);
        Digest digest;
        digest.Add(t.facts);
        std::unique_ptr<Session> s;
        if (sessions) {
          ASSIGN_OR_RETURN(s, model.NewSession());
          RETURN_IF_ERROR(s->Append(t.facts));
        }
        FillerRun before(s.get(), count);
        RETURN_IF_ERROR(before.FillTo(pre, &cursor, &digest));
        digest.Add(t.needle);
        if (sessions) RETURN_IF_ERROR(s->Append(t.needle));
        FillerRun after(s.get(), count);
        RETURN_IF_ERROR(after.FillTo(post, &cursor, &digest));
        const int64_t have = after.tokens();
        RecallResult r;
        r.trial = trial;
        r.target = length;
        r.depth = depth;
        r.distance = have;
        r.filler_sentences = static_cast<int>(cursor.index());
        Digest full = digest;
        full.Add(t.question);
        r.prompt_digest = full.Hex();
        if (sessions) {
          RETURN_IF_ERROR(scorer.FromSession(*s, t, &r));
        } else {
          const std::string id = "needle/" + std::to_string(trial) + "/" + std::to_string(length) +
                                 "/" + std::to_string(depth);
          RETURN_IF_ERROR(scorer.FromPrompt(
              t.facts + before.text() + t.needle + after.text() + t.question, t, id, &r));
        }
        if (opts.on_result) opts.on_result(r);
        out->push_back(std::move(r));
      }
    }
  }
  return Status::Ok();
}

}  // namespace

bool ParseRecallKind(const std::string& name, RecallKind* out) {
  static const std::map<std::string, RecallKind> kNames = {
      {"passkey", RecallKind::kPasskey},
      {"needle", RecallKind::kNeedle},
      {"multikey", RecallKind::kMultiKey},
      {"multivalue", RecallKind::kMultiValue},
      {"variable_tracking", RecallKind::kVariableTracking}};
  auto it = kNames.find(name);
  if (it == kNames.end()) return false;
  *out = it->second;
  return true;
}

const char* RecallKindName(RecallKind k) {
  switch (k) {
    case RecallKind::kPasskey:
      return "passkey";
    case RecallKind::kNeedle:
      return "needle";
    case RecallKind::kMultiKey:
      return "multikey";
    case RecallKind::kMultiValue:
      return "multivalue";
    case RecallKind::kVariableTracking:
      return "variable_tracking";
  }
  return "?";
}

StatusOr<std::vector<RecallResult>> RunRecall(ModelAdapter& model, const RecallSpec& spec,
                                              const RecallOptions& opts) {
  if (spec.trials < 1) return Status::InvalidArgument("recall probe: trials must be at least 1");
  const std::vector<std::string>& filler = spec.filler.empty() ? kPasskeyFiller : spec.filler;
  const bool sessions = opts.one_pass && model.capabilities().state_fork;
  std::vector<RecallResult> out;
  if (spec.kind == RecallKind::kNeedle) {
    RETURN_IF_ERROR(CheckIncreasing(spec.lengths, "lengths"));
    if (spec.depths.empty()) return Status::InvalidArgument("recall probe: no depths");
    for (double d : spec.depths) {
      if (!(d >= 0.0 && d <= 1.0)) {
        return Status::InvalidArgument("recall probe: depths must lie in [0, 1]");
      }
    }
    RETURN_IF_ERROR(RunNeedle(model, spec, opts, filler, sessions, &out));
  } else {
    RETURN_IF_ERROR(CheckIncreasing(spec.distances, "distances"));
    RETURN_IF_ERROR(RunDistances(model, spec, opts, filler, sessions, &out));
  }
  return out;
}

StatusOr<std::vector<PositionLoss>> MeasurePositionLoss(ModelAdapter& model,
                                                        const std::string& text) {
  ASSIGN_OR_RETURN(adapters::LoglikelihoodResult r,
                   model.LoglikelihoodRolling("position-loss", text));
  if (r.token_logprobs.empty() && r.n_tokens > 0) {
    return Status::Unsupported(model.info().spec + " does not report per-token log-probabilities");
  }
  std::vector<PositionLoss> buckets;
  for (size_t pos = 0; pos < r.token_logprobs.size(); ++pos) {
    // bucket k holds positions [2^k, 2^(k+1)); positions 0 and 1 share bucket 0
    size_t k = 0;
    while ((size_t{2} << k) <= pos) ++k;
    if (buckets.size() <= k) {
      for (size_t b = buckets.size(); b <= k; ++b) {
        PositionLoss p;
        p.start = b == 0 ? 0 : int64_t{1} << b;
        p.end = int64_t{2} << b;
        buckets.push_back(p);
      }
    }
    buckets[k].tokens += 1;
    buckets[k].mean_nll += -r.token_logprobs[pos];
  }
  for (PositionLoss& b : buckets) {
    if (b.tokens > 0) b.mean_nll /= static_cast<double>(b.tokens);
    b.end = std::min<int64_t>(b.end, static_cast<int64_t>(r.token_logprobs.size()));
  }
  return buckets;
}

RecallTrialText MakeRecallTrial(const RecallSpec& spec, int trial) {
  TrialText t = MakeTrial(spec, trial);
  return {t.facts, t.needle, t.question, t.answer};
}

const std::vector<std::string>& PasskeyFiller() { return kPasskeyFiller; }

}  // namespace rwkv::harness
