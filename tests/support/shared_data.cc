#include "shared_data.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rwkv::testing {

std::string SharedDir() {
  namespace fs = std::filesystem;
  const char* env = std::getenv("RWKV_EVAL_SHARED");
  fs::path p = (env && *env) ? fs::path(env) : fs::path(RWKV_EVAL_SOURCE_DIR) / ".." / "shared";
  std::error_code ec;
  if (!fs::is_directory(p, ec)) return "";
  return fs::weakly_canonical(p, ec).string();
}

std::string SharedPath(const std::string& relative) {
  const std::string dir = SharedDir();
  return dir.empty() ? "" : dir + "/" + relative;
}

std::vector<float> ReadF32(const std::string& path) {
  const std::string bytes = ReadFileBytes(path);
  std::vector<float> out(bytes.size() / 4);
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string TempDir(const std::string& tag) {
  namespace fs = std::filesystem;
  const fs::path base = fs::temp_directory_path() / "rwkv-eval-tests";
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = tag;
  if (info) name += std::string("-") + info->test_suite_name() + "-" + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  const fs::path dir = base / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

}  // namespace rwkv::testing
