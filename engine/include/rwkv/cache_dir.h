// The per-user cache folder where `rwkv-eval pull` stores models and tokenizer files.
#pragma once

#include <string>

namespace rwkv {

// $XDG_CACHE_HOME/rwkv-eval when XDG_CACHE_HOME is set to an absolute path, otherwise
// $HOME/.cache/rwkv-eval; "" when neither variable is usable. Does not create the folder.
// Thread-safe as long as nobody modifies the environment concurrently.
std::string CacheDir();

// The subfolder of CacheDir() that holds tokenizer files ("" when CacheDir() is "").
std::string TokenizerCacheDir();

}  // namespace rwkv
