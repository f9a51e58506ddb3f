#include "rwkv/harness/results.h"

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "rwkv/harness/decay_fit.h"
#include "rwkv/harness/prompt.h"
#include "rwkv/harness/stats.h"

namespace rwkv::harness {

using nlohmann::json;

const char* AggregationName(Aggregation a) {
  switch (a) {
    case Aggregation::kMean:
      return "mean";
    case Aggregation::kExpNegMean:
      return "exp_neg_mean";
    case Aggregation::kExpNegRatio:
      return "exp_neg_ratio";
    case Aggregation::kBitsPerByte:
      return "bits_per_byte";
    case Aggregation::kDecayDistance:
      return "decay_distance";
    case Aggregation::kHalfLife:
      return "half_life";
    case Aggregation::kEffectiveLength:
      return "effective_length";
  }
  return "?";
}

const MetricResult* TaskResult::Find(const std::string& metric) const {
  for (const MetricResult& m : metrics) {
    if (m.def.name == metric) return &m;
  }
  return nullptr;
}

namespace {

StatusOr<Aggregation> ParseAggregation(const std::string& s) {
  for (Aggregation a : {Aggregation::kMean, Aggregation::kExpNegMean, Aggregation::kExpNegRatio,
                        Aggregation::kBitsPerByte, Aggregation::kDecayDistance,
                        Aggregation::kHalfLife, Aggregation::kEffectiveLength}) {
    if (s == AggregationName(a)) return a;
  }
  return Status::InvalidArgument("unknown aggregation '" + s + "'");
}

bool UsesParam(Aggregation a) {
  return a == Aggregation::kDecayDistance || a == Aggregation::kEffectiveLength;
}

// Numbers that may be NaN ("not reached") are written as null and read back as NaN.
double NumberOrNaN(const json& j) { return j.is_null() ? std::nan("") : j.get<double>(); }

// The recall checkpoints among `records`, weighted by counts × item weight.
std::vector<DecayObservation> DecayObservations(const std::vector<const ItemRecord*>& records,
                                                const std::vector<int>& counts) {
  std::vector<DecayObservation> obs;
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& v = records[i]->values;
    auto get = [&](const char* key, double fallback) {
      auto it = v.find(key);
      return it == v.end() ? fallback : it->second;
    };
    if (counts[i] == 0 || !v.count("correct")) continue;
    DecayObservation o;
    o.target = get("target", 0);
    o.distance = get("distance", o.target);
    o.correct = get("correct", 0);
    o.logprob = get("answer_logprob", std::nan(""));
    o.weight = counts[i] * records[i]->weight;
    obs.push_back(o);
  }
  return obs;
}

json ModelToJson(const adapters::ModelInfo& m) {
  return {{"spec", m.spec},
          {"kind", m.kind},
          {"path", m.path},
          {"sha256", m.sha256},
          {"format", m.format},
          {"architecture", m.architecture},
          {"description", m.description}};
}

adapters::ModelInfo ModelFromJson(const json& j) {
  adapters::ModelInfo m;
  m.spec = j.value("spec", "");
  m.kind = j.value("kind", "");
  m.path = j.value("path", "");
  m.sha256 = j.value("sha256", "");
  m.format = j.value("format", "");
  m.architecture = j.value("architecture", "");
  m.description = j.value("description", "");
  return m;
}

}  // namespace

json ToJson(const RunResults& r) {
  json j;
  j["format_version"] = r.format_version;
  j["engine_version"] = r.engine_version;
  const RunConfig& c = r.config;
  j["config"] = {{"suites", c.suites},
                 {"model", c.model_spec},
                 {"seed", c.seed},
                 {"limit", c.limit},
                 {"tags", c.tags},
                 {"tasks", c.tasks},
                 {"items", c.items},
                 {"shard", std::to_string(c.shard_index) + "/" + std::to_string(c.shard_count)},
                 {"data_dir", c.data_dir}};
  j["model"] = ModelToJson(r.model);
  j["suites"] = json::array();
  for (const SuiteInfo& s : r.suites) {
    json files = json::array();
    for (const auto& [p, h] : s.files) files.push_back({{"path", p}, {"sha256", h}});
    j["suites"].push_back({{"id", s.id},
                           {"version", s.version},
                           {"path", s.path},
                           {"sha256", s.sha256},
                           {"files", files}});
  }
  j["tasks"] = json::array();
  for (const TaskResult& t : r.tasks) {
    json metrics = json::array();
    for (const MetricResult& m : t.metrics) {
      auto number = [](double x) { return std::isnan(x) ? json(nullptr) : json(x); };
      metrics.push_back({{"name", m.def.name},
                         {"aggregation", AggregationName(m.def.aggregation)},
                         {"key", m.def.key},
                         {"denominator", m.def.denominator},
                         {"higher_is_better", m.def.higher_is_better},
                         {"value", number(m.value)},
                         {"stderr", number(m.std_err)},
                         {"ci95", {number(m.ci_low), number(m.ci_high)}},
                         {"interval", m.interval}});
      if (UsesParam(m.def.aggregation)) metrics.back()["param"] = m.def.param;
    }
    json tj = {{"suite", t.suite},       {"task", t.task},
               {"kind", t.kind},         {"tags", t.tags},
               {"n_items", t.n_items},   {"n_scored", t.n_scored},
               {"n_errors", t.n_errors}, {"unsupported", t.unsupported},
               {"metrics", metrics}};
    if (t.pass_metric) {
      tj["pass"] = {{"metric", *t.pass_metric}, {"min", t.pass_min}};
      tj["pass"]["passed"] = t.passed ? json(*t.passed) : json(nullptr);
    }
    j["tasks"].push_back(tj);
  }
  if (!r.merged_from.empty()) j["merged_from"] = r.merged_from;
  return j;
}

StatusOr<RunResults> RunResultsFromJson(const json& j) {
  RunResults r;
  try {
    r.format_version = j.at("format_version").get<int>();
    if (r.format_version != kResultsFormatVersion) {
      return Status::Unsupported("results format version " + std::to_string(r.format_version) +
                                 " (this build reads " + std::to_string(kResultsFormatVersion) +
                                 ")");
    }
    r.engine_version = j.at("engine_version").get<std::string>();
    const json& c = j.at("config");
    r.config.suites = c.at("suites").get<std::vector<std::string>>();
    r.config.model_spec = c.at("model").get<std::string>();
    r.config.seed = c.at("seed").get<uint64_t>();
    r.config.limit = c.at("limit").get<int>();
    r.config.tags = c.at("tags").get<std::vector<std::string>>();
    r.config.tasks = c.at("tasks").get<std::vector<std::string>>();
    r.config.items = c.value("items", std::vector<std::string>{});
    r.config.data_dir = c.value("data_dir", "");
    const std::string shard = c.at("shard").get<std::string>();
    const size_t slash = shard.find('/');
    r.config.shard_index = std::stoi(shard.substr(0, slash));
    r.config.shard_count = std::stoi(shard.substr(slash + 1));
    r.model = ModelFromJson(j.at("model"));
    for (const json& s : j.at("suites")) {
      SuiteInfo si;
      si.id = s.at("id").get<std::string>();
      si.version = s.at("version").get<std::string>();
      si.path = s.at("path").get<std::string>();
      si.sha256 = s.at("sha256").get<std::string>();
      for (const json& f : s.at("files")) {
        si.files.emplace_back(f.at("path").get<std::string>(), f.at("sha256").get<std::string>());
      }
      r.suites.push_back(si);
    }
    for (const json& t : j.at("tasks")) {
      TaskResult tr;
      tr.suite = t.at("suite").get<std::string>();
      tr.task = t.at("task").get<std::string>();
      tr.kind = t.at("kind").get<std::string>();
      tr.tags = t.at("tags").get<std::vector<std::string>>();
      tr.n_items = t.at("n_items").get<int>();
      tr.n_scored = t.at("n_scored").get<int>();
      tr.n_errors = t.at("n_errors").get<int>();
      tr.unsupported = t.at("unsupported").get<std::string>();
      for (const json& m : t.at("metrics")) {
        MetricResult mr;
        mr.def.name = m.at("name").get<std::string>();
        ASSIGN_OR_RETURN(mr.def.aggregation,
                         ParseAggregation(m.at("aggregation").get<std::string>()));
        mr.def.key = m.at("key").get<std::string>();
        mr.def.denominator = m.at("denominator").get<std::string>();
        mr.def.higher_is_better = m.at("higher_is_better").get<bool>();
        mr.def.param = m.value("param", 0.0);
        mr.value = NumberOrNaN(m.at("value"));
        mr.std_err = NumberOrNaN(m.at("stderr"));
        mr.ci_low = NumberOrNaN(m.at("ci95").at(0));
        mr.ci_high = NumberOrNaN(m.at("ci95").at(1));
        mr.interval = m.at("interval").get<std::string>();
        tr.metrics.push_back(mr);
      }
      if (t.contains("pass")) {
        tr.pass_metric = t["pass"].at("metric").get<std::string>();
        tr.pass_min = t["pass"].at("min").get<double>();
        if (!t["pass"].at("passed").is_null()) tr.passed = t["pass"]["passed"].get<bool>();
      }
      r.tasks.push_back(tr);
    }
    r.merged_from = j.value("merged_from", std::vector<std::string>{});
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("malformed results: ") + e.what());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("malformed results: ") + e.what());
  }
  return r;
}

json ToJson(const ItemRecord& r) {
  json messages = json::array();
  for (const auto& m : r.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  json j = {{"id", r.key()},
            {"suite", r.suite},
            {"task", r.task},
            {"item", r.item},
            {"index", r.index},
            {"kind", r.kind},
            {"prefix", r.prefix},
            {"prompt", r.prompt},
            {"messages", messages},
            {"few_shot", r.few_shot},
            {"output", r.output},
            {"extracted", r.extracted},
            {"target", r.target},
            {"choices", r.choices},
            {"choice_logprobs", r.choice_logprobs},
            {"values", r.values},
            {"weight", r.weight},
            {"prompt_tokens", r.prompt_tokens},
            {"output_tokens", r.output_tokens},
            {"latency_ms", r.latency_ms},
            {"error", r.error},
            {"unsupported", r.unsupported}};
  return j;
}

StatusOr<ItemRecord> ItemRecordFromJson(const json& j) {
  ItemRecord r;
  try {
    r.suite = j.at("suite").get<std::string>();
    r.task = j.at("task").get<std::string>();
    r.item = j.at("item").get<std::string>();
    r.index = j.at("index").get<int64_t>();
    r.kind = j.at("kind").get<std::string>();
    r.prefix = j.at("prefix").get<std::string>();
    r.prompt = j.at("prompt").get<std::string>();
    for (const json& m : j.at("messages")) {
      r.messages.push_back({m.at("role").get<std::string>(), m.at("content").get<std::string>()});
    }
    r.few_shot = j.at("few_shot").get<std::vector<std::string>>();
    r.output = j.at("output").get<std::string>();
    r.extracted = j.at("extracted").get<std::map<std::string, std::string>>();
    r.target = j.at("target").get<std::string>();
    r.choices = j.at("choices").get<std::vector<std::string>>();
    r.choice_logprobs = j.at("choice_logprobs").get<std::vector<double>>();
    r.values = j.at("values").get<std::map<std::string, double>>();
    r.weight = j.at("weight").get<double>();
    r.prompt_tokens = j.at("prompt_tokens").get<int>();
    r.output_tokens = j.at("output_tokens").get<int>();
    r.latency_ms = j.at("latency_ms").get<double>();
    r.error = j.at("error").get<std::string>();
    r.unsupported = j.at("unsupported").get<bool>();
  } catch (const json::exception& e) {
    return Status::InvalidArgument(std::string("malformed sample record: ") + e.what());
  }
  return r;
}

double MetricStatistic(const MetricDef& def, const std::vector<const ItemRecord*>& records,
                       const std::vector<int>& counts) {
  switch (def.aggregation) {
    case Aggregation::kDecayDistance:
      return DecayDistance(DecayObservations(records, counts), def.param);
    case Aggregation::kHalfLife:
      return AnswerHalfLife(DecayObservations(records, counts));
    case Aggregation::kEffectiveLength:
      return EffectiveLength(DecayObservations(records, counts), def.param);
    default:
      break;
  }
  auto value_of = [&](size_t i, const std::string& key) {
    auto it = records[i]->values.find(key);
    return it == records[i]->values.end() ? 0.0 : it->second;
  };
  double num = 0, den = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    if (counts[i] == 0) continue;
    const double w =
        def.aggregation == Aggregation::kMean || def.aggregation == Aggregation::kExpNegMean
            ? records[i]->weight
            : 1.0;
    num += counts[i] * w * value_of(i, def.key);
    den += counts[i] * (def.denominator.empty() ? w : value_of(i, def.denominator));
  }
  if (den <= 0) return std::nan("");
  switch (def.aggregation) {
    case Aggregation::kMean:
      return num / den;
    case Aggregation::kExpNegMean:
    case Aggregation::kExpNegRatio:
      return std::exp(-num / den);
    case Aggregation::kBitsPerByte:
      return -num / den / std::log(2.0);
    default:
      break;
  }
  return std::nan("");
}

// The resampling unit of every scored record. Recall records of one trial (its checkpoints at
// every distance) share the key and the filler, so they are not independent observations: a
// trial is one unit. Records without a "trial" value are units of their own.
std::vector<size_t> ResamplingUnits(const std::vector<const ItemRecord*>& scored, size_t* n_units) {
  std::vector<size_t> unit(scored.size());
  std::map<double, size_t> of_trial;
  size_t next = 0;
  for (size_t i = 0; i < scored.size(); ++i) {
    auto it = scored[i]->values.find("trial");
    if (it == scored[i]->values.end()) {
      unit[i] = next++;
    } else {
      auto [pos, added] = of_trial.emplace(it->second, next);
      if (added) ++next;
      unit[i] = pos->second;
    }
  }
  *n_units = next;
  return unit;
}

void Aggregate(const std::vector<const ItemRecord*>& records, uint64_t seed, TaskResult* task) {
  std::vector<const ItemRecord*> scored;
  task->n_scored = task->n_errors = 0;
  for (const ItemRecord* r : records) {
    if (!r->error.empty()) {
      ++task->n_errors;
    } else {
      scored.push_back(r);
    }
  }
  task->n_scored = static_cast<int>(scored.size());
  const size_t n = scored.size();
  size_t n_units = 0;
  const std::vector<size_t> unit = ResamplingUnits(scored, &n_units);
  for (MetricResult& m : task->metrics) {
    const MetricDef& d = m.def;
    auto value_of = [&](size_t i, const std::string& key) {
      auto it = scored[i]->values.find(key);
      return it == scored[i]->values.end() ? 0.0 : it->second;
    };
    auto statistic = [&](const std::vector<int>& counts) {
      return MetricStatistic(d, scored, counts);
    };
    // The bootstrap draws units; every record of a drawn unit counts once per draw.
    auto unit_statistic = [&](const std::vector<int>& unit_counts) {
      std::vector<int> counts(n);
      for (size_t i = 0; i < n; ++i) counts[i] = unit_counts[unit[i]];
      return statistic(counts);
    };
    m.value = statistic(std::vector<int>(n, 1));
    // Proportions of unit-weight 0/1 values get a Wilson interval; with a denominator only the
    // records whose (0/1) denominator is 1 are the trials. That needs independent trials: at
    // most one member record per resampling unit.
    bool binary_unit = d.aggregation == Aggregation::kMean;
    double successes = 0, trials = 0;
    std::vector<int> members_of_unit(n_units, 0);
    for (size_t i = 0; i < n && binary_unit; ++i) {
      const double v = value_of(i, d.key);
      const double member = d.denominator.empty() ? 1.0 : value_of(i, d.denominator);
      binary_unit = scored[i]->weight == 1.0 && (v == 0.0 || v == 1.0) &&
                    (member == 0.0 || member == 1.0) && (member == 1.0 || v == 0.0);
      successes += member * v;
      trials += member;
      if (member == 1.0 && ++members_of_unit[unit[i]] > 1) binary_unit = false;
    }
    if (n == 0) {
      m.value = m.std_err = m.ci_low = m.ci_high = 0;
      m.interval = "none";
    } else if (binary_unit && trials == 0) {  // a subset mean over an empty subset
      m.value = m.std_err = m.ci_low = m.ci_high = std::nan("");
      m.interval = "none";
    } else if (binary_unit) {
      const double p = successes / trials;
      m.std_err = std::sqrt(p * (1 - p) / trials);
      const Interval ci = WilsonInterval(successes, trials);
      m.ci_low = ci.low;
      m.ci_high = ci.high;
      m.interval = "wilson";
    } else {
      const BootstrapEstimate b = Bootstrap(
          n_units, unit_statistic, StableHash(task->suite + "/" + task->task + "/" + d.name, seed));
      m.std_err = b.std_err;
      m.ci_low = b.interval.low;
      m.ci_high = b.interval.high;
      m.interval = "bootstrap";
    }
  }
  task->passed.reset();
  if (task->pass_metric && n > 0) {
    if (const MetricResult* m = task->Find(*task->pass_metric)) {
      task->passed =
          m->def.higher_is_better ? m->value >= task->pass_min : m->value <= task->pass_min;
    }
  }
}

Status WriteResults(const std::string& path, const RunResults& r) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError(tmp + ": cannot create");
    out << ToJson(r).dump(2) << "\n";
    if (!out) return Status::IOError(tmp + ": write failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError(path + ": cannot replace");
  }
  return Status::Ok();
}

StatusOr<RunResults> ReadResults(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound(path + ": cannot open results");
  json j;
  try {
    in >> j;
  } catch (const json::exception& e) {
    return Status::InvalidArgument(path + ": not valid JSON: " + e.what());
  }
  auto r = RunResultsFromJson(j);
  if (!r.ok()) return r.status().WithContext(path);
  return r;
}

StatusOr<std::vector<ItemRecord>> ReadSamples(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open samples");
  std::vector<ItemRecord> out;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const bool last = in.peek() == std::char_traits<char>::eof();
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception& e) {
      if (last) break;  // an interrupted append
      return Status::InvalidArgument(path + ":" + std::to_string(line_no) +
                                     ": not valid JSON: " + e.what());
    }
    auto r = ItemRecordFromJson(j);
    if (!r.ok()) return r.status().WithContext(path + ":" + std::to_string(line_no));
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace rwkv::harness
