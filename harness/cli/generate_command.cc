// rwkv-eval generate: continue a prompt with the built-in engine, streaming the text.
#include <fstream>
#include <iostream>
#include <sstream>

#include "command.h"
#include "rwkv/adapters/model_adapter.h"
#include "rwkv/forward.h"
#include "rwkv/generate.h"
#include "rwkv/model.h"
#include "rwkv/tokenizer.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "generate";
}

int RunGenerate(const std::vector<std::string>& args) {
  std::string model_path, prompt, prompt_file, tokenizer_name, state_in, state_out;
  std::vector<std::string> stop;
  bool chat = false;
  int threads = 0;
  GenerateOptions g;
  po::options_description o;
  o.add_options()("model,m", po::value(&model_path)->required(), "model file")(
      "prompt,p", po::value(&prompt), "prompt text")("prompt-file", po::value(&prompt_file),
                                                     "read the prompt from a file")(
      "chat", po::bool_switch(&chat), "wrap the prompt as \"User: …\\n\\nAssistant:\"")(
      "max-tokens,n", po::value(&g.max_tokens)->default_value(128), "tokens to generate at most")(
      "temperature", po::value(&g.sampling.temperature)->default_value(0.0f), "0 = greedy")(
      "top-k", po::value(&g.sampling.top_k)->default_value(0), "0 = no limit")(
      "top-p", po::value(&g.sampling.top_p)->default_value(1.0f), "nucleus mass")(
      "presence-penalty", po::value(&g.sampling.presence_penalty)->default_value(0.0f), "")(
      "frequency-penalty", po::value(&g.sampling.frequency_penalty)->default_value(0.0f), "")(
      "seed", po::value(&g.sampling.seed)->default_value(0), "sampling seed")(
      "stop", po::value(&stop)->composing(), "stop string (repeatable)")(
      "tokenizer", po::value(&tokenizer_name),
      "bytes | world | 20b | FILE (default: from the model)")(
      "state-in", po::value(&state_in), "start from a saved state instead of the empty one")(
      "state-out", po::value(&state_out), "save the state after prompt and generated text")(
      "threads,t", po::value(&threads)->default_value(0),
      "engine threads (0: RWKV_EVAL_THREADS or all cores)");
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "--model MODEL (--prompt TEXT | --prompt-file FILE) [options]",
                 "Continues a prompt with the built-in engine and streams the text to stdout.", o,
                 {}, args, &vm, &code)) {
    return code;
  }
  if (prompt_file.empty() == !vm.count("prompt")) {
    return Fail(kName, "give exactly one of --prompt and --prompt-file", kExitUsage);
  }
  if (!prompt_file.empty()) {
    std::ifstream in(prompt_file, std::ios::binary);
    if (!in) return Fail(kName, prompt_file + ": cannot open");
    std::ostringstream s;
    s << in.rdbuf();
    prompt = s.str();
  }
  if (chat) prompt = adapters::RenderRwkvChat({{"user", prompt}});
  g.stop = stop;
  SetThreads(ResolveThreads(threads));
  auto model = Model::Load(model_path);
  if (!model.ok()) return Fail(kName, model.status().ToString());
  auto tokenizer = LoadTokenizerForModel(tokenizer_name, **model);
  if (!tokenizer.ok()) return Fail(kName, tokenizer.status().ToString());
  State state = State::Initial(**model);
  if (!state_in.empty()) {
    auto loaded = State::Load(state_in, **model);
    if (!loaded.ok()) return Fail(kName, loaded.status().ToString());
    state = std::move(*loaded);
  }
  std::vector<int32_t> ids = (*tokenizer)->Encode(prompt);
  if (ids.empty()) ids.push_back(0);  // an empty prompt starts from end-of-text
  std::vector<float> logits;
  Status st = Forward(**model, &state, ids, LogitsMode::kLast, &logits);
  if (!st.ok()) return Fail(kName, st.ToString());
  g.on_text = [](const std::string& piece) {
    std::cout << piece << std::flush;
    return true;
  };
  auto out = Generate(**model, **tokenizer, &state, logits, g);
  std::cout << "\n";
  if (!out.ok()) return Fail(kName, out.status().ToString());
  std::cerr << "[" << out->tokens.size() << " tokens, finished: " << out->finish_reason << "]\n";
  if (!state_out.empty()) {
    Status s = state.Save(state_out);
    if (!s.ok()) return Fail(kName, s.ToString());
  }
  return kExitOk;
}

}  // namespace rwkv::cli
