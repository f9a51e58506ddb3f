// Official checkpoints are BlinkDL's Hugging Face uploads; the tokenizer files come from BlinkDL's
// ChatRWKV repository. Sizes are approximate (from the parameter counts) unless marked exact.
// Digests are given only where a published value was found; the others are verified by nobody
// but TLS, and `pull` prints the digest it computed so users can record it.
#include "rwkv/adapters/model_registry.h"

#include <algorithm>

namespace rwkv::adapters {

namespace {

bool SameIgnoringCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

const std::vector<RegistryEntry>& BuiltinRegistry() {
  static const std::vector<RegistryEntry> kEntries = {
      {"RWKV-4-Pile-169M",
       "https://huggingface.co/BlinkDL/rwkv-4-pile-169m/resolve/main/"
       "RWKV-4-Pile-169M-20220807-8023.pth",
       "RWKV-4-Pile-169M-20220807-8023.pth",
       "713c6f6137a08d3a86ab57df4f09ea03563329beb3bbabc23509d6c57aa0f9e2", 339'000'000, false,
       "20b-tokenizer", false, "RWKV-4, 169M parameters, trained on the Pile (vocabulary 50277)"},
      {"RWKV-4-Pile-430M",
       "https://huggingface.co/BlinkDL/rwkv-4-pile-430m/resolve/main/"
       "RWKV-4-Pile-430M-20220808-8066.pth",
       "RWKV-4-Pile-430M-20220808-8066.pth",
       "261e6b8fef1c7c9e08a4dde31bf5caf8e79c4da38126d77977a4707de82a7f64", 861'000'000, false,
       "20b-tokenizer", false, "RWKV-4, 430M parameters, trained on the Pile (vocabulary 50277)"},
      {"RWKV-7-World-0.1B",
       "https://huggingface.co/BlinkDL/rwkv-7-world/resolve/main/"
       "RWKV-x070-World-0.1B-v2.8-20241210-ctx4096.pth",
       "RWKV-x070-World-0.1B-v2.8-20241210-ctx4096.pth", "", 382'000'000, false, "world-tokenizer",
       false, "RWKV-7 World v2.8, 0.1B parameters (vocabulary 65536)"},
      {"RWKV-7-World-0.4B",
       "https://huggingface.co/BlinkDL/rwkv-7-world/resolve/main/"
       "RWKV-x070-World-0.4B-v2.9-20250107-ctx4096.pth",
       "RWKV-x070-World-0.4B-v2.9-20250107-ctx4096.pth", "", 902'000'000, false, "world-tokenizer",
       false, "RWKV-7 World v2.9, 0.4B parameters (vocabulary 65536)"},
      {"world-tokenizer",
       "https://raw.githubusercontent.com/BlinkDL/ChatRWKV/main/tokenizer/"
       "rwkv_vocab_v20230424.txt",
       "rwkv_vocab_v20230424.txt", "", 1'093'733, false, "", true,
       "RWKV World vocabulary (65529 tokens)"},
      {"20b-tokenizer",
       "https://raw.githubusercontent.com/BlinkDL/ChatRWKV/main/20B_tokenizer.json",
       "20B_tokenizer.json", "", 2'467'981, false, "", true,
       "GPT-NeoX 20B tokenizer used by the RWKV-4 Pile models"},
  };
  return kEntries;
}

const RegistryEntry* FindRegistryEntry(const std::string& name) {
  for (const RegistryEntry& e : BuiltinRegistry()) {
    if (SameIgnoringCase(e.name, name)) return &e;
  }
  return nullptr;
}

}  // namespace rwkv::adapters
