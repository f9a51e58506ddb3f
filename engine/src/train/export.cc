#include "rwkv/train/export.h"

#include "official_form.h"
#include "rwkv/bin_format.h"
#include "rwkv/safetensors_format.h"

namespace rwkv::train {

StatusOr<TensorStore> ToTensorStore(const Rwkv7Params<float>& params) {
  TensorStore store;
  Status st = Status::Ok();
  params.ForEach(
      [&](const std::string& name, const std::vector<int64_t>& shape, const float* d, size_t c) {
        if (st.ok()) st = store.Add(name, DType::kF32, shape, d, c * sizeof(float));
      });
  RETURN_IF_ERROR(st);
  return store;
}

Status WriteBinModel(const Rwkv7Params<float>& params, const std::string& path) {
  ASSIGN_OR_RETURN(TensorStore store, ToTensorStore(params));
  RwkvCppHeader h;
  h.n_vocab = params.shape.n_vocab;
  h.n_embed = params.shape.n_embd;
  h.n_layer = params.shape.n_layer;
  h.data_type = DTypeToRwkvCpp(DType::kF32);
  return WriteRwkvCppFile(path, store, h);
}

Status WriteSafetensorsModel(const Rwkv7Params<float>& params, const std::string& path) {
  ASSIGN_OR_RETURN(TensorStore canonical, ToTensorStore(params));
  ASSIGN_OR_RETURN(TensorStore official, OfficialFromCanonical(canonical, Arch::kV7));
  return WriteSafetensorsFile(path, official, {{"format", "pt"}});
}

}  // namespace rwkv::train
