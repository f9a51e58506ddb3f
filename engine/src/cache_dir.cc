#include "rwkv/cache_dir.h"

#include <cstdlib>

namespace rwkv {

std::string CacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && xdg[0] == '/') return std::string(xdg) + "/rwkv-eval";
  const char* home = std::getenv("HOME");
  if (home && home[0] != '\0') return std::string(home) + "/.cache/rwkv-eval";
  return "";
}

std::string TokenizerCacheDir() {
  const std::string dir = CacheDir();
  return dir.empty() ? "" : dir + "/tokenizers";
}

}  // namespace rwkv
