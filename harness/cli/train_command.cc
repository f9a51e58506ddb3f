// rwkv-eval train: trains a small RWKV-7 on the CPU from a text or token file, or from the
// bundled suites' procedural generators, and writes it as .bin and safetensors.
#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "command.h"
#include "rwkv/forward.h"
#include "rwkv/harness/suite_loader.h"
#include "rwkv/harness/training_corpus.h"
#include "rwkv/train/export.h"
#include "rwkv/train/trainer.h"
#include "rwkv/train/training_data.h"

namespace rwkv::cli {

namespace {
constexpr const char* kName = "train";

// Parses "suite/task=weight,..." into CorpusOptions::weights.
Status ParseMix(const std::string& mix, std::map<std::string, double>* weights) {
  std::stringstream ss(mix);
  for (std::string entry; std::getline(ss, entry, ',');) {
    if (entry.empty()) continue;
    const size_t eq = entry.find('=');
    char* end = nullptr;
    const double w = eq == std::string::npos ? -1 : std::strtod(entry.c_str() + eq + 1, &end);
    if (eq == std::string::npos || *end != '\0' || w < 0) {
      return Status::InvalidArgument("--mix entry '" + entry +
                                     "' is not suite/task=WEIGHT with WEIGHT >= 0");
    }
    (*weights)[entry.substr(0, eq)] = w;
  }
  return Status::Ok();
}

// The training corpus from the suites' generators (training_corpus.h), as tokens and window
// starts that leave a full window.
Status SuiteCorpus(const std::string& names, const std::string& mix, uint64_t seed,
                   size_t total_bytes, int ctx, const std::string& corpus_out,
                   std::vector<int32_t>* tokens, std::vector<size_t>* starts) {
  std::vector<std::string> list;
  std::stringstream ss(names);
  for (std::string n; std::getline(ss, n, ',');) {
    if (!n.empty()) list.push_back(n);
  }
  if (list.empty()) return Status::InvalidArgument("--suites needs at least one suite");
  ASSIGN_OR_RETURN(std::vector<harness::Suite> suites, harness::LoadSuites(list, {}));
  harness::CorpusOptions co;
  co.seed = seed;
  co.total_bytes = total_bytes;
  co.episode_bytes = static_cast<size_t>(ctx) + 1;
  RETURN_IF_ERROR(ParseMix(mix, &co.weights));
  ASSIGN_OR_RETURN(harness::TrainingCorpus corpus, harness::BuildTrainingCorpus(suites, co));
  std::cerr << "corpus: " << corpus.text.size() << " bytes, " << corpus.starts.size()
            << " episodes, " << corpus.held_out
            << " generated items held out as evaluation items\n";
  for (const auto& [key, count] : corpus.items) std::cerr << "  " << key << ": " << count << "\n";
  if (!corpus_out.empty()) {
    std::ofstream f(corpus_out, std::ios::binary | std::ios::trunc);
    if (!f.write(corpus.text.data(), static_cast<std::streamsize>(corpus.text.size()))) {
      return Status::IOError("cannot write " + corpus_out);
    }
  }
  *tokens = train::BytesToTokens(corpus.text);
  for (size_t s : corpus.starts) {
    if (s + static_cast<size_t>(ctx) + 1 <= tokens->size()) starts->push_back(s);
  }
  return Status::Ok();
}

// Applies a JSON config's keys to the options unless the command line set them.
Status ApplyConfig(const std::string& path, const po::variables_map& vm,
                   std::map<std::string, double>* numbers) {
  std::ifstream f(path);
  if (!f) return Status::NotFound("cannot open config " + path);
  const nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(path + ": expected a JSON object");
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!numbers->count(it.key())) {
      return Status::InvalidArgument(path + ": unknown key '" + it.key() + "'");
    }
    if (!it->is_number()) {
      return Status::InvalidArgument(path + ": '" + it.key() + "' must be a number");
    }
    if (vm.count(it.key()) && !vm[it.key()].defaulted()) continue;  // the flag wins
    (*numbers)[it.key()] = it->get<double>();
  }
  return Status::Ok();
}

std::string Duration(double s) {
  char b[32];
  const int t = static_cast<int>(s);
  std::snprintf(b, sizeof(b), "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60);
  return b;
}

}  // namespace

int RunTrain(const std::vector<std::string>& args) {
  std::string config, data, data_format = "bytes", suites, mix, corpus_out, out;
  double corpus_mb = 0;
  bool resume = false;
  int threads = 0;
  int64_t log_every = 10, save_every = 0;
  // Numeric settings live in one table so that --config can set any of them.
  std::map<std::string, double> n = {
      {"layers", 4}, {"embed", 128},      {"heads", 2},      {"vocab", 256},     {"ctx", 128},
      {"batch", 8},  {"steps", 1000},     {"lr", 1e-3},      {"lr-final", 1e-4}, {"warmup", 50},
      {"seed", 0},   {"weight-decay", 0}, {"grad-clip", 1.0}};
  po::options_description o;
  auto num = [&](const char* key, const char* help) {
    o.add_options()(key, po::value<double>()->default_value(n[key]), help);
  };
  o.add_options()("config", po::value(&config), "JSON file with any numeric option below");
  num("layers", "number of blocks");
  num("embed", "embedding size C");
  num("heads", "number of heads (head size C / heads)");
  num("vocab", "vocabulary size (byte-level text needs 256)");
  num("ctx", "training sequence length T");
  num("batch", "sequences per step B");
  num("steps", "optimizer steps in total");
  num("lr", "peak learning rate");
  num("lr-final", "learning rate at the end of the cosine decay");
  num("warmup", "linear warmup steps");
  num("seed", "seed of initialization and batch sampling");
  num("weight-decay", "AdamW decoupled weight decay of matrices");
  num("grad-clip", "clip the gradient's global norm to this (0: off)");
  o.add_options()("data", po::value(&data), "training file")(
      "data-format", po::value(&data_format)->default_value("bytes"), "bytes | jsonl | u16")(
      "suites", po::value(&suites),
      "train on the generator tasks of these suites (comma-separated, e.g. "
      "arithmetic,patterns,code), rendered in their prompt format with training seeds and "
      "without their evaluation items, plus passkey episodes, instead of --data")(
      "mix", po::value(&mix),
      "with --suites: relative weights, e.g. arithmetic/add_2digit=4,recall/passkey=2 "
      "(others 1; 0 leaves a task out)")(
      "corpus-mb", po::value(&corpus_mb)->default_value(0),
      "with --suites: corpus size in MB (0: enough for every step, at most 64)")(
      "corpus-out", po::value(&corpus_out), "with --suites: also write the corpus text here")(
      "out,o", po::value(&out)->required(), "output folder")("resume", po::bool_switch(&resume),
                                                             "continue from OUT/checkpoint.ckpt")(
      "threads", po::value(&threads)->default_value(0),
      "OpenMP threads (0: RWKV_EVAL_THREADS or all)")(
      "log-every", po::value(&log_every)->default_value(10), "steps between log lines")(
      "save-every", po::value(&save_every)->default_value(0),
      "steps between checkpoints and model.safetensors snapshots (0: only at the end)");
  po::positional_options_description pos;
  po::variables_map vm;
  int code = 0;
  if (!ParseArgs(kName, "(--data FILE | --suites LIST) --out DIR [options]",
                 "Trains an RWKV-7 model on the CPU and writes OUT/model.bin, "
                 "OUT/model.safetensors (official names), OUT/checkpoint.ckpt and "
                 "OUT/train_log.csv.",
                 o, pos, args, &vm, &code)) {
    return code;
  }
  for (auto& [key, value] : n) value = vm[key].as<double>();
  if (!config.empty()) {
    Status st = ApplyConfig(config, vm, &n);
    if (!st.ok()) return Fail(kName, st.ToString(), kExitUsage);
  }
  if (data.empty() == suites.empty()) {
    return Fail(kName, "give exactly one of --data and --suites", kExitUsage);
  }
  const int embed = static_cast<int>(n["embed"]), heads = static_cast<int>(n["heads"]);
  if (heads < 1 || embed < 1 || embed % heads != 0) {
    return Fail(kName, "--heads must divide --embed", kExitUsage);
  }
  train::TrainOptions t;
  t.shape = train::Rwkv7Shape::Official(static_cast<int>(n["layers"]), embed, embed / heads,
                                        static_cast<int>(n["vocab"]));
  t.batch = static_cast<int>(n["batch"]);
  t.ctx = static_cast<int>(n["ctx"]);
  t.steps = static_cast<int64_t>(n["steps"]);
  t.warmup = static_cast<int64_t>(n["warmup"]);
  t.lr = n["lr"];
  t.lr_final = n["lr-final"];
  t.seed = static_cast<uint64_t>(n["seed"]);
  t.adam.weight_decay = n["weight-decay"];
  t.grad_clip = n["grad-clip"];
  SetThreads(ResolveThreads(threads));

  std::vector<int32_t> tokens;
  std::vector<size_t> starts;
  if (!data.empty()) {
    auto loaded = train::LoadTrainingTokens(data, data_format);
    if (!loaded.ok()) return Fail(kName, loaded.status().ToString());
    tokens = std::move(*loaded);
  } else {
    const size_t want = static_cast<size_t>(std::max<int64_t>(1, t.steps)) * t.batch * t.ctx;
    const size_t bytes = corpus_mb > 0 ? static_cast<size_t>(corpus_mb * (1 << 20))
                                       : std::min<size_t>(want, 64u << 20);
    Status st = SuiteCorpus(suites, mix, t.seed, bytes, t.ctx, corpus_out, &tokens, &starts);
    if (!st.ok()) return Fail(kName, st.ToString(), kExitUsage);
  }
  auto trainer = train::Trainer::Create(t, std::move(tokens), std::move(starts));
  if (!trainer.ok()) return Fail(kName, trainer.status().ToString());
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) return Fail(kName, "cannot create " + out + ": " + ec.message());
  const std::string ckpt = out + "/checkpoint.ckpt";
  if (resume) {
    Status st = trainer->LoadCheckpoint(ckpt);
    if (!st.ok()) return Fail(kName, st.ToString());
  }
  std::ofstream log(out + "/train_log.csv", resume ? std::ios::app : std::ios::trunc);
  if (!resume) log << "step,loss,lr,grad_norm,tokens_per_s\n";
  const bool terminal = isatty(STDERR_FILENO) != 0;
  const double tokens_per_step = double(t.batch) * t.ctx;
  std::cerr << "training " << t.shape.n_layer << " layers, C " << embed << ", " << heads
            << " heads, vocab " << t.shape.n_vocab << ", " << trainer->params().Count()
            << " parameters; B " << t.batch << " x T " << t.ctx << ", " << omp_get_max_threads()
            << " threads, from step " << trainer->step() << "\n";
  const auto start = std::chrono::steady_clock::now();
  const int64_t first = trainer->step();
  double avg_loss = 0;
  int64_t avg_n = 0;
  while (trainer->step() < t.steps) {
    const train::StepStats s = trainer->Step();
    avg_loss += s.loss;
    ++avg_n;
    const double el =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double tps = double(s.step - first) * tokens_per_step / std::max(el, 1e-9);
    log << s.step << ',' << s.loss << ',' << s.lr << ',' << s.grad_norm << ',' << tps << '\n';
    const bool last = s.step == t.steps;
    if (terminal) {
      const int width = 24, filled = static_cast<int>(width * double(s.step) / t.steps);
      const double eta = double(t.steps - s.step) * el / double(s.step - first);
      std::fprintf(stderr, "\r[%s%s] %lld/%lld  loss %.4f  %.0f tok/s  ETA %s ",
                   std::string(filled, '#').c_str(), std::string(width - filled, '-').c_str(),
                   static_cast<long long>(s.step), static_cast<long long>(t.steps), s.loss, tps,
                   Duration(eta).c_str());
      if (last) std::fprintf(stderr, "\n");
    } else if (log_every > 0 && (s.step % log_every == 0 || last)) {
      std::fprintf(stderr, "step %lld/%lld  loss %.4f (mean of %lld)  lr %.2e  %.0f tok/s  %s\n",
                   static_cast<long long>(s.step), static_cast<long long>(t.steps),
                   avg_loss / avg_n, static_cast<long long>(avg_n), s.lr, tps,
                   Duration(el).c_str());
      avg_loss = 0;
      avg_n = 0;
    }
    if (save_every > 0 && s.step % save_every == 0 && !last) {
      Status st = trainer->SaveCheckpoint(ckpt);
      if (st.ok()) st = train::WriteSafetensorsModel(trainer->params(), out + "/model.safetensors");
      if (!st.ok()) return Fail(kName, st.ToString());
    }
  }
  log.flush();
  Status st = trainer->SaveCheckpoint(ckpt);
  if (st.ok()) st = train::WriteBinModel(trainer->params(), out + "/model.bin");
  if (st.ok()) st = train::WriteSafetensorsModel(trainer->params(), out + "/model.safetensors");
  if (!st.ok()) return Fail(kName, st.ToString());
  std::cout << "wrote " << out << "/model.bin, " << out << "/model.safetensors and " << ckpt
            << " at step " << trainer->step() << "\n";
  return kExitOk;
}

}  // namespace rwkv::cli
