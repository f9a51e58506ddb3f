// Long-context memory probes: how recall falls with distance (passkey, needle in a haystack,
// multi-key, multi-value, variable tracking) and loss by token position.
//
// Every probe is a fact, filler, and a question whose answer the fact holds. Distances are in
// the model's tokens: the filler is appended one sentence at a time and a checkpoint is taken
// at the first sentence boundary at or past each target distance (the measured distance is
// recorded). With a model that has recurrent state (Capabilities::state_fork) a trial is one
// pass: the state after the filler so far is forked at each checkpoint, the question appended
// and the answer scored — O(largest distance) instead of O(sum of distances). Other models get
// the same prompts whole, so their results are comparable.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rwkv/adapters/model_adapter.h"
#include "rwkv/status.h"

namespace rwkv::harness {

enum class RecallKind {
  kPasskey,           // "The pass key is 12345. Remember it." … "The pass key is"
  kNeedle,            // a needle at depth d of a haystack of length L (length × depth grid)
  kMultiKey,          // several keyed needles (distractors); ask for one
  kMultiValue,        // one key with several values; all must be recalled
  kVariableTracking,  // VAR chains over several hops
};

// Parses "passkey", "needle", "multikey", "multivalue", "variable_tracking".
bool ParseRecallKind(const std::string& name, RecallKind* out);
const char* RecallKindName(RecallKind k);

struct RecallSpec {
  RecallKind kind = RecallKind::kPasskey;
  std::vector<int64_t> distances = {16, 64, 256, 1024};  // tokens (all kinds but kNeedle)
  std::vector<int64_t> lengths = {256, 1024};            // kNeedle: haystack tokens
  std::vector<double> depths = {0.0, 0.5, 1.0};          // kNeedle: needle position, 0 = start
  int trials = 4;       // per distance (or grid cell), each with its own keys
  int first_trial = 0;  // trials are numbered first_trial … first_trial + trials − 1 (keys
                        // depend on the number, so trial 3 alone gives what it gives among 0…9)
  uint64_t seed = 1;
  int digits = 5;       // of keys and values
  int distractors = 3;  // kMultiKey: other keyed needles
  int values = 3;       // kMultiValue
  int hops = 2;         // kVariableTracking: assignments after the first
  // Filler sentences, cycled. Empty: the passkey filler ("The grass is green. …").
  std::vector<std::string> filler;
  int max_answer_tokens = 16;  // generated tokens beyond the answer's length
};

// One scored checkpoint.
struct RecallResult {
  int trial = 0;
  int64_t target = 0;           // the grid distance (or haystack length for kNeedle)
  double depth = 0.0;           // kNeedle
  int64_t distance = 0;         // measured tokens between the fact and the question
  int filler_sentences = 0;     // sentences between the fact and the question
  std::string prompt_digest;    // hex FNV-1a of the full prompt, to compare runs
  std::string answer;           // expected (e.g. "48213")
  std::string output;           // greedy generation
  bool correct = false;         // the output starts with the answer (kMultiValue: has every value)
  double answer_logprob = 0.0;  // teacher-forced log-probability of " " + answer
};

struct RecallOptions {
  // Use sessions (one pass per trial) when the model offers them. False forces whole prompts.
  bool one_pass = true;
  // Counts tokens of filler text for models without sessions (default: UTF-8 bytes / 4).
  std::function<int64_t(const std::string&)> count_tokens;
  // Called after every checkpoint (progress).
  std::function<void(const RecallResult&)> on_result;
};

// Runs every trial and checkpoint of `spec` against `model`. Errors: the model's, or a spec
// that is empty or not increasing.
StatusOr<std::vector<RecallResult>> RunRecall(adapters::ModelAdapter& model, const RecallSpec& spec,
                                              const RecallOptions& opts);

// The texts of one trial of `spec` (trial index `trial`), as RunRecall builds them: the
// instruction and fact(s), the needle (kNeedle only), the question and the expected answer
// (without its leading space). A prompt is facts + filler + question; the answer follows " ".
struct RecallTrialText {
  std::string facts, needle, question, answer;
};
RecallTrialText MakeRecallTrial(const RecallSpec& spec, int trial);

// The passkey filler sentences ("The grass is green.", …), used when RecallSpec::filler is empty.
const std::vector<std::string>& PasskeyFiller();

// Per-position loss: mean negative log-likelihood of the text's tokens by position bucket
// [2^k, 2^(k+1)) (bucket 0 holds position 0 and 1).
struct PositionLoss {
  int64_t start = 0, end = 0;  // positions [start, end)
  int64_t tokens = 0;
  double mean_nll = 0.0;
};
StatusOr<std::vector<PositionLoss>> MeasurePositionLoss(adapters::ModelAdapter& model,
                                                        const std::string& text);

}  // namespace rwkv::harness
