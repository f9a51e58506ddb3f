// The metrics each task reports, by kind:
//   generate      — "<scorer>:<pipeline>" for every scorer × extraction pipeline (mean)
//   choice        — acc (highest log-prob option is correct), acc_norm (log-prob divided by the
//                   option's length in bytes, as lm-evaluation-harness)
//   loglikelihood — acc (the target is the greedy continuation), logprob (mean target
//                   log-prob), perplexity (exp of the negative mean target log-prob)
//   perplexity    — token_perplexity, byte_perplexity, bits_per_byte (rolling, over documents)
#pragma once

#include <vector>

#include "rwkv/harness/results.h"
#include "rwkv/harness/suite.h"

namespace rwkv::harness {

std::vector<MetricDef> TaskMetrics(const Task& task);

}  // namespace rwkv::harness
