#include "journal.h"

#include <memory>

namespace rwkv::harness {

Journal::~Journal() {
  if (file_) std::fclose(file_);
}

Status WriteSamples(const std::string& path, const std::vector<ItemRecord>& records) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status::IOError(tmp + ": cannot create");
  bool ok = true;
  for (const ItemRecord& r : records) {
    const std::string line = ToJson(r).dump() + "\n";
    ok = ok && std::fwrite(line.data(), 1, line.size(), f) == line.size();
  }
  ok = std::fclose(f) == 0 && ok;
  if (!ok) return Status::IOError(tmp + ": write failed");
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::IOError(path + ": cannot replace");
  return Status::Ok();
}

StatusOr<std::unique_ptr<Journal>> Journal::Open(const std::string& path,
                                                 const std::vector<ItemRecord>& existing) {
  RETURN_IF_ERROR(WriteSamples(path, existing));
  std::FILE* f = std::fopen(path.c_str(), "ab");
  if (!f) return Status::IOError(path + ": cannot open for appending");
  return std::unique_ptr<Journal>(new Journal(f));
}

Status Journal::Append(const ItemRecord& record) {
  const std::string line = ToJson(record).dump() + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    return Status::IOError("journal write failed");
  }
  return Status::Ok();
}

}  // namespace rwkv::harness
