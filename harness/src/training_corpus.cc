#include "rwkv/harness/training_corpus.h"

#include <random>
#include <set>

#include "rwkv/harness/generators.h"
#include "rwkv/harness/prompt.h"
#include "rwkv/harness/recall_probe.h"

namespace rwkv::harness {

namespace {

// Training generator seeds start here; suite files hold seeds below 2^31.
constexpr uint64_t kTrainingSeedBase = uint64_t{1} << 32;
constexpr int kItemsPerBatch = 256;

// One generator task's source of training items: its specs run again with fresh seeds.
class TaskStream {
 public:
  TaskStream(const Suite& suite, const Task& task, uint64_t seed)
      : suite_(suite), task_(task), seed_(seed) {}

  std::string key() const { return suite_.id + "/" + task_.name; }
  const Task& task() const { return task_; }

  // The prefix of every episode: description and the suite's fixed examples. Examples drawn
  // from the task's own items would be evaluation items, so without a fixed pool there are none.
  StatusOr<std::string> Prefix() const {
    if (task_.items.empty()) return std::string();
    Task t = task_;
    if (t.few_shot.pool.empty()) t.few_shot.count = 0;
    ASSIGN_OR_RETURN(Prompt p, BuildPrompt(t, t.items.front(), seed_));
    return p.prefix;
  }

  // The next generated item that is not an evaluation item, rendered.
  StatusOr<RenderedItem> Next(const std::set<std::string>& eval_prompts, int64_t* held_out) {
    for (;;) {
      while (pos_ >= pending_.size()) {
        const GeneratorSpec& g = task_.generators[round_ % task_.generators.size()];
        const uint64_t s = kTrainingSeedBase + StableHash(key(), seed_) % (uint64_t{1} << 40) +
                           static_cast<uint64_t>(round_);
        ++round_;
        ASSIGN_OR_RETURN(pending_, RunGenerator(g.name, s, kItemsPerBatch, g.params, "train-"));
        pos_ = 0;
      }
      ASSIGN_OR_RETURN(RenderedItem r, RenderItem(task_, pending_[pos_++]));
      if (eval_prompts.count(r.question)) {
        ++*held_out;
        continue;
      }
      return r;
    }
  }

 private:
  const Suite& suite_;
  const Task& task_;
  uint64_t seed_;
  std::vector<Item> pending_;
  size_t pos_ = 0;
  int64_t round_ = 0;
};

bool Trainable(const Task& t) {
  return t.kind == TaskKind::kGenerate && !t.chat.enabled && !t.generators.empty();
}

// One passkey episode: instruction and fact, `filler` sentences, question, " " + answer + ".".
std::string PasskeyEpisode(uint64_t seed, size_t episode_bytes, std::mt19937_64& rng) {
  RecallSpec spec;
  spec.seed = seed;
  const RecallTrialText t = MakeRecallTrial(spec, 0);
  const std::string tail = t.question + " " + t.answer + ".\n\n";
  const std::vector<std::string>& filler = PasskeyFiller();
  // Filler sentences average ~16 bytes; draw a count that keeps the episode near its budget.
  const size_t fixed = t.facts.size() + tail.size();
  const size_t room = episode_bytes > fixed ? (episode_bytes - fixed) / 16 : 0;
  const size_t n = room ? rng() % (room + 1) : 0;
  std::string text = t.facts;
  const size_t first = rng() % filler.size();
  for (size_t i = 0; i < n; ++i) text += " " + filler[(first + i) % filler.size()];
  return text + tail;
}

}  // namespace

StatusOr<TrainingCorpus> BuildTrainingCorpus(const std::vector<Suite>& suites,
                                             const CorpusOptions& options) {
  std::set<std::string> eval_prompts;
  for (const Suite& s : suites) {
    for (const Task& t : s.tasks) {
      for (const Item& it : t.items) {
        ASSIGN_OR_RETURN(RenderedItem r, RenderItem(t, it));
        eval_prompts.insert(r.question);
      }
    }
  }

  std::vector<TaskStream> streams;
  std::vector<std::string> prefixes;
  std::vector<double> weights;
  std::set<std::string> known = {kPasskeyEpisodes};
  for (const Suite& s : suites) {
    for (const Task& t : s.tasks) {
      if (!Trainable(t)) continue;
      streams.emplace_back(s, t, options.seed);
      known.insert(streams.back().key());
    }
  }
  for (const auto& [name, w] : options.weights) {
    if (!known.count(name)) {
      std::string list;
      for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
      return Status::InvalidArgument("training weight names '" + name +
                                     "', which is no generator task of the suites (" + list + ")");
    }
    if (w < 0) return Status::InvalidArgument("training weight of '" + name + "' is negative");
  }
  auto weight_of = [&](const std::string& key) {
    auto it = options.weights.find(key);
    return it == options.weights.end() ? options.default_weight : it->second;
  };
  for (TaskStream& ts : streams) {
    weights.push_back(weight_of(ts.key()));
    auto prefix = ts.Prefix();
    if (!prefix.ok()) return Status::InvalidArgument(ts.key() + ": " + prefix.status().message());
    prefixes.push_back(*prefix);
  }
  weights.push_back(weight_of(kPasskeyEpisodes));  // the last choice: passkey
  double total = 0;
  for (double w : weights) total += w;
  if (total <= 0) return Status::InvalidArgument("no training task has a positive weight");

  TrainingCorpus c;
  std::mt19937_64 rng(options.seed ^ 0x5eed5eed5eedULL);
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  for (uint64_t episode = 0; c.text.size() < options.total_bytes; ++episode) {
    const size_t k = pick(rng);
    c.starts.push_back(c.text.size());
    if (k == streams.size()) {
      const uint64_t seed = kTrainingSeedBase + options.seed * 1000003ULL + episode;
      c.text += PasskeyEpisode(seed, options.episode_bytes, rng);
      ++c.items[kPasskeyEpisodes];
      continue;
    }
    TaskStream& ts = streams[k];
    const Delimiters& d = ts.task().delimiters;
    const size_t begin = c.text.size();
    c.text += prefixes[k];
    while (c.text.size() - begin < options.episode_bytes) {
      auto r = ts.Next(eval_prompts, &c.held_out);
      if (!r.ok()) return Status::InvalidArgument(ts.key() + ": " + r.status().message());
      c.text += r->question + d.before_target + r->target + d.between_examples;
      ++c.items[ts.key()];
    }
  }
  return c;
}

}  // namespace rwkv::harness
