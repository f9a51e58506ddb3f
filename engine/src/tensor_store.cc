#include "rwkv/tensor_store.h"

#include <cstdlib>
#include <cstring>

namespace rwkv {

namespace {
Status CheckFits(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                 size_t nbytes) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > (int64_t{1} << 40) / d)) {
      return Status::Corruption("tensor " + name + ": implausible shape");
    }
    n *= d;
  }
  const int bv = DTypeBlockValues(dtype);
  if (n % bv != 0) {
    return Status::Corruption("tensor " + name + ": " + std::to_string(n) +
                              " values is not a whole number of " + DTypeName(dtype) + " blocks");
  }
  if (DTypeBytes(dtype, n) != nbytes) {
    return Status::Corruption("tensor " + name + ": " + std::to_string(nbytes) +
                              " bytes do not fit its shape and type " + DTypeName(dtype));
  }
  return Status::Ok();
}
}  // namespace

Status TensorStore::Add(const std::string& name, DType dtype, std::vector<int64_t> shape,
                        const void* data, size_t nbytes) {
  RETURN_IF_ERROR(CheckFits(name, dtype, shape, nbytes));
  void* mem = std::aligned_alloc(64, (nbytes + 63) / 64 * 64 + 64);
  if (mem == nullptr) return Status::IOError("tensor " + name + ": out of memory");
  std::shared_ptr<void> buf(mem, std::free);
  if (nbytes) std::memcpy(mem, data, nbytes);
  return AddBorrowed(name, dtype, std::move(shape), static_cast<const uint8_t*>(mem), nbytes,
                     std::move(buf));
}

Status TensorStore::AddBorrowed(const std::string& name, DType dtype, std::vector<int64_t> shape,
                                const uint8_t* data, size_t nbytes,
                                std::shared_ptr<const void> backing) {
  RETURN_IF_ERROR(CheckFits(name, dtype, shape, nbytes));
  if (tensors_.count(name)) return Status::Corruption("tensor " + name + " appears twice");
  Tensor t;
  t.name = name;
  t.dtype = dtype;
  t.shape = std::move(shape);
  t.data = data;
  t.nbytes = nbytes;
  tensors_.emplace(name, std::move(t));
  if (backing) buffers_.push_back(std::move(backing));
  return Status::Ok();
}

const Tensor* TensorStore::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

size_t TensorStore::TotalBytes() const {
  size_t n = 0;
  for (const auto& [_, t] : tensors_) n += t.nbytes;
  return n;
}

}  // namespace rwkv
