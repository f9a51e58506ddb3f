// The built-in list of official checkpoints and tokenizer files `rwkv-eval pull` knows by name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rwkv::adapters {

struct RegistryEntry {
  std::string name;       // what the user types, e.g. "RWKV-4-Pile-169M" (matched ignoring case)
  std::string url;        // official download location
  std::string file_name;  // name of the downloaded file
  std::string sha256;     // lowercase hex, "" where the digest is not known
  int64_t approx_bytes;   // size for display (approximate unless `exact_size`)
  bool exact_size;        // approx_bytes is the exact byte count (then checked)
  std::string tokenizer;  // registry name of the tokenizer file the model needs, "" if none
  bool is_tokenizer;      // a tokenizer file (stored in the tokenizer cache folder)
  std::string description;
};

// Every entry, models first.
const std::vector<RegistryEntry>& BuiltinRegistry();

// The entry called `name` (ASCII case-insensitive), or nullptr.
const RegistryEntry* FindRegistryEntry(const std::string& name);

}  // namespace rwkv::adapters
