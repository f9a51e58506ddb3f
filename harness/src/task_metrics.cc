#include "rwkv/harness/task_metrics.h"

namespace rwkv::harness {

std::vector<MetricDef> TaskMetrics(const Task& task) {
  std::vector<MetricDef> out;
  switch (task.kind) {
    case TaskKind::kGenerate:
      for (const Scorer& s : task.scorers) {
        for (const ExtractPipeline& p : task.extract) {
          const std::string name = s.type + ":" + p.name;
          out.push_back({name, Aggregation::kMean, name, "", true});
        }
      }
      break;
    case TaskKind::kChoice:
      out.push_back({"acc", Aggregation::kMean, "acc", "", true});
      out.push_back({"acc_norm", Aggregation::kMean, "acc_norm", "", true});
      break;
    case TaskKind::kLoglikelihood:
      out.push_back({"acc", Aggregation::kMean, "acc", "", true});
      out.push_back({"logprob", Aggregation::kMean, "logprob", "", true});
      out.push_back({"perplexity", Aggregation::kExpNegMean, "logprob", "", false});
      break;
    case TaskKind::kPerplexity:
      out.push_back({"token_perplexity", Aggregation::kExpNegRatio, "logprob", "tokens", false});
      out.push_back({"byte_perplexity", Aggregation::kExpNegRatio, "logprob", "bytes", false});
      out.push_back({"bits_per_byte", Aggregation::kBitsPerByte, "logprob", "bytes", false});
      break;
    case TaskKind::kRecall:
      if (task.recall) out = RecallMetrics(*task.recall);
      break;
  }
  return out;
}

}  // namespace rwkv::harness
