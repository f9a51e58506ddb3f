#include "item_executor.h"

#include <chrono>

#include "rwkv/harness/extraction.h"
#include "rwkv/harness/prompt.h"
#include "rwkv/harness/scorers.h"

namespace rwkv::harness {

StatusOr<std::unique_ptr<adapters::Session>> PrefixStateCache::ForkAfter(
    adapters::ModelAdapter& model, const std::string& prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(prefix);
  if (it == sessions_.end()) {
    if (sessions_.size() >= capacity_) sessions_.clear();
    ASSIGN_OR_RETURN(std::unique_ptr<adapters::Session> s, model.NewSession());
    if (!prefix.empty()) RETURN_IF_ERROR(s->Append(prefix));
    it = sessions_.emplace(prefix, std::move(s)).first;
  }
  return it->second->Fork();
}

namespace {

Status RunGenerate(const PlannedItem& p, const Prompt& prompt, const RenderedItem& rendered,
                   adapters::ModelAdapter& model, uint64_t seed, ItemRecord* rec) {
  const Task& task = *p.task;
  adapters::GenerateRequest req;
  req.item_id = rec->key();
  req.prefix = prompt.prefix;
  req.prompt = prompt.prompt;
  req.messages = prompt.messages;
  req.params = task.generation;
  if (req.params.sampling.temperature > 0 && req.params.sampling.seed == 0) {
    req.params.sampling.seed = StableHash(rec->key(), seed);
  }
  ASSIGN_OR_RETURN(adapters::GenerateResult out, model.Generate(req));
  rec->output = out.text;
  rec->prompt_tokens = out.prompt_tokens;
  rec->output_tokens = out.output_tokens;
  for (const ExtractPipeline& pipeline : task.extract) {
    rec->extracted[pipeline.name] = Extract(pipeline, out.text);
  }
  for (const Scorer& s : task.scorers) {
    for (const ExtractPipeline& pipeline : task.extract) {
      rec->values[s.type + ":" + pipeline.name] =
          Score(s, rec->extracted[pipeline.name], rendered.target);
    }
  }
  return Status::Ok();
}

Status RunChoice(const PlannedItem& p, const Prompt& prompt, const RenderedItem& rendered,
                 adapters::ModelAdapter& model, PrefixStateCache* cache, ItemRecord* rec) {
  const std::string& before = p.task->delimiters.before_target;
  std::vector<adapters::LoglikelihoodResult> results;
  if (model.capabilities().state_fork) {
    // One state after prefix + question; every option is scored from it.
    ASSIGN_OR_RETURN(std::unique_ptr<adapters::Session> s, cache->ForkAfter(model, prompt.prefix));
    RETURN_IF_ERROR(s->Append(prompt.prompt));
    rec->prompt_tokens = static_cast<int>(s->tokens());
    for (const std::string& c : rendered.choices) {
      ASSIGN_OR_RETURN(adapters::LoglikelihoodResult r, s->Loglikelihood(before + c));
      results.push_back(r);
    }
  } else {
    for (const std::string& c : rendered.choices) {
      adapters::LoglikelihoodRequest req{rec->key(), prompt.prefix, prompt.prompt, before + c};
      ASSIGN_OR_RETURN(adapters::LoglikelihoodResult r, model.Loglikelihood(req));
      results.push_back(r);
    }
  }
  size_t best = 0, best_norm = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    rec->choice_logprobs.push_back(results[i].logprob);
    rec->output_tokens += results[i].n_tokens;
    auto norm = [&](size_t k) {
      const double len = static_cast<double>((before + rendered.choices[k]).size());
      return results[k].logprob / (len > 0 ? len : 1.0);
    };
    if (results[i].logprob > results[best].logprob) best = i;
    if (norm(i) > norm(best_norm)) best_norm = i;
  }
  const size_t answer = static_cast<size_t>(rendered.answer_index);
  rec->output = rendered.choices[best];
  rec->extracted["choice"] = std::to_string(best);
  rec->values["acc"] = best == answer ? 1.0 : 0.0;
  rec->values["acc_norm"] = best_norm == answer ? 1.0 : 0.0;
  return Status::Ok();
}

}  // namespace

ItemRecord ExecuteItem(const PlannedItem& p, adapters::ModelAdapter& model, PrefixStateCache* cache,
                       uint64_t seed) {
  const Task& task = *p.task;
  ItemRecord rec;
  rec.suite = p.suite->id;
  rec.task = task.name;
  rec.item = p.item->id;
  rec.index = p.index;
  rec.kind = TaskKindName(task.kind);
  rec.weight = p.item->weight;
  const auto start = std::chrono::steady_clock::now();
  Status st = [&]() -> Status {
    ASSIGN_OR_RETURN(RenderedItem rendered, RenderItem(task, *p.item));
    ASSIGN_OR_RETURN(Prompt prompt, BuildPrompt(task, *p.item, seed));
    rec.prefix = prompt.prefix;
    rec.prompt = prompt.prompt;
    rec.messages = prompt.messages;
    rec.few_shot = prompt.example_ids;
    rec.target = rendered.target;
    rec.choices = rendered.choices;
    switch (task.kind) {
      case TaskKind::kGenerate:
        return RunGenerate(p, prompt, rendered, model, seed, &rec);
      case TaskKind::kChoice:
        return RunChoice(p, prompt, rendered, model, cache, &rec);
      case TaskKind::kLoglikelihood: {
        adapters::LoglikelihoodRequest req{rec.key(), prompt.prefix, prompt.prompt,
                                           task.delimiters.before_target + rendered.target};
        ASSIGN_OR_RETURN(adapters::LoglikelihoodResult r, model.Loglikelihood(req));
        rec.values["logprob"] = r.logprob;
        rec.values["acc"] = r.is_greedy ? 1.0 : 0.0;
        rec.values["tokens"] = r.n_tokens;
        rec.output_tokens = r.n_tokens;
        return Status::Ok();
      }
      case TaskKind::kPerplexity: {
        const std::string doc = prompt.prefix + prompt.prompt;
        ASSIGN_OR_RETURN(adapters::LoglikelihoodResult r,
                         model.LoglikelihoodRolling(rec.key(), doc));
        rec.values["logprob"] = r.logprob;
        rec.values["tokens"] = r.n_tokens;
        rec.values["bytes"] = static_cast<double>(doc.size());
        rec.output_tokens = r.n_tokens;
        return Status::Ok();
      }
      case TaskKind::kRecall:  // whole trials at once: recall_executor.h
        return Status::Internal("recall checkpoints run through ExecuteRecallUnit");
    }
    return Status::Internal("unknown task kind");
  }();
  rec.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!st.ok()) {
    rec.error = st.ToString();
    rec.unsupported = st.code() == StatusCode::kUnsupported;
    rec.values.clear();
  }
  return rec;
}

}  // namespace rwkv::harness
