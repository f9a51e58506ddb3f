// rwkv-eval bench: decode and prefill speed and peak memory of one model, measured on the spot
// (like llama.cpp's llama-bench), so that machines and formats can be compared.
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "command.h"
#include "rwkv/forward.h"
#include "rwkv/model.h"
#include "rwkv/speed.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "bench";
}  // namespace

int RunBench(const std::vector<std::string>& args) {
  std::string model_path;
  int threads = 0;
  SpeedOptions so;
  po::options_description o;
  o.add_options()("model,m", po::value(&model_path)->required(), "model file")(
      "threads,t", po::value(&threads)->default_value(0),
      "engine threads (0: RWKV_EVAL_THREADS or all cores)")(
      "decode", po::value(&so.decode_tokens)->default_value(128), "tokens to decode one by one")(
      "prefill", po::value(&so.prefill_tokens)->default_value(512), "prompt tokens to prefill")(
      "repeats", po::value(&so.repeats)->default_value(3),
      "report the best of this many runs of each measurement")(
      "json", "print one JSON object instead of a table");
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "--model MODEL [--threads N] [--decode 128] [--prefill 512] [--json]",
                 "Measures decode tokens/s (serial mode), prefill tokens/s (sequence mode, "
                 "logits of the last token only and of every token; each the best of --repeats "
                 "runs) and peak resident memory.",
                 o, {}, args, &vm, &code)) {
    return code;
  }
  if (so.decode_tokens < 1 || so.prefill_tokens < 1 || so.repeats < 1) {
    return Fail(kName, "--decode, --prefill and --repeats must be at least 1", kExitUsage);
  }
  const int n_threads = ResolveThreads(threads);
  SetThreads(n_threads);
  auto model = Model::Load(model_path);
  if (!model.ok()) return Fail(kName, model.status().ToString());
  auto r = MeasureSpeed(**model, so);
  if (!r.ok()) return Fail(kName, r.status().ToString());
  const double peak = PeakRssMiB();
  const double weights_mib = (*model)->tensors().TotalBytes() / (1024.0 * 1024.0);
  if (vm.count("json")) {
    nlohmann::json j = {{"model", model_path},
                        {"description", (*model)->Describe()},
                        {"threads", n_threads},
                        {"decode_tokens", so.decode_tokens},
                        {"prefill_tokens", so.prefill_tokens},
                        {"decode_tok_s", r->decode_tok_s},
                        {"prefill_tok_s", r->prefill_tok_s},
                        {"prefill_all_logits_tok_s", r->prefill_all_logits_tok_s},
                        {"peak_rss_mb", peak},
                        {"peak_rss_before_all_logits_mb", r->prefill_peak_rss_mib},
                        {"weights_mb", weights_mib}};
    std::cout << j.dump() << "\n";
    return kExitOk;
  }
  std::cout << std::fixed << std::setprecision(1) << model_path << " (" << (*model)->Describe()
            << "), " << n_threads << " thread(s)\n"
            << "  decode (serial, " << so.decode_tokens << " tokens):        " << r->decode_tok_s
            << " tok/s\n"
            << "  prefill (" << so.prefill_tokens << " tokens, last logits):   " << r->prefill_tok_s
            << " tok/s\n"
            << "  prefill (" << so.prefill_tokens
            << " tokens, all logits):    " << r->prefill_all_logits_tok_s << " tok/s\n"
            << "  peak RSS: " << peak << " MiB (weights " << weights_mib << " MiB; "
            << r->prefill_peak_rss_mib << " MiB before the all-logits run)\n";
  return kExitOk;
}

}  // namespace rwkv::cli
