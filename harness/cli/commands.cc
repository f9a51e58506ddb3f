#include "command.h"

namespace rwkv::cli {

int RunGenerate(const std::vector<std::string>& args);
int RunLogits(const std::vector<std::string>& args);
int RunConvert(const std::vector<std::string>& args);
int RunInspect(const std::vector<std::string>& args);
int RunMakeModel(const std::vector<std::string>& args);
int RunBench(const std::vector<std::string>& args);
int RunRun(const std::vector<std::string>& args);
int RunList(const std::vector<std::string>& args);
int RunValidate(const std::vector<std::string>& args);
int RunShow(const std::vector<std::string>& args);
int RunMerge(const std::vector<std::string>& args);
int RunTokenize(const std::vector<std::string>& args);
int RunDetokenize(const std::vector<std::string>& args);
int RunPull(const std::vector<std::string>& args);
int RunServe(const std::vector<std::string>& args);
int RunCompare(const std::vector<std::string>& args);
int RunGate(const std::vector<std::string>& args);
int RunTrain(const std::vector<std::string>& args);
int RunDecay(const std::vector<std::string>& args);

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {"run", "run suites through a model; write results.json and samples.jsonl", RunRun},
      {"list", "list suites, their tasks and item counts", RunList},
      {"validate", "check suites against the schema without a model", RunValidate},
      {"show", "print the exact prompt of one suite item", RunShow},
      {"merge", "combine the outputs of sharded runs into one run", RunMerge},
      {"compare", "compare runs side by side with paired significance tests", RunCompare},
      {"gate", "fail when a candidate run regresses against a baseline (CI)", RunGate},
      {"decay", "memory-decay probe: recall by distance, half-lives, static decay profile",
       RunDecay},
      {"generate", "continue a prompt with the built-in engine, streaming the text", RunGenerate},
      {"logits", "write the logits after every token as raw float32", RunLogits},
      {"convert", "convert a model between .pth/.safetensors/.bin and matrix types", RunConvert},
      {"inspect", "print a model's architecture, tensors, size and tokenizer", RunInspect},
      {"make-model", "write a random-weight model of a real shape (for benchmarks)", RunMakeModel},
      {"bench", "measure decode and prefill speed and peak memory of a model", RunBench},
      {"tokenize", "print the token ids of a text as a JSON array", RunTokenize},
      {"detokenize", "print the text of a JSON array of token ids", RunDetokenize},
      {"pull", "download an official model and its tokenizer into the cache", RunPull},
      {"serve", "serve a model through an OpenAI-compatible HTTP API", RunServe},
      {"train", "train a small RWKV-7 on the CPU (text, tokens or generators)", RunTrain},
  };
  return kCommands;
}

}  // namespace rwkv::cli
