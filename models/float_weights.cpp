// float32 copies of stored weights: see float_weights.h.
#include "models/float_weights.h"

#include <ATen/ATen.h>

#include <map>

#include "common/errors.h"
#include "models/safetensors.h"

namespace genvec {

at::Tensor float32_tensor(const SafetensorsTensor& t) {
  static const std::map<std::string, at::ScalarType> types = {
      {"F32", at::kFloat}, {"F16", at::kHalf}, {"BF16", at::kBFloat16}, {"F64", at::kDouble}};
  auto it = types.find(t.dtype);
  if (it == types.end())
    throw IoError("tensor '" + t.name + "' has dtype " + t.dtype + ", not a float weight");
  // from_blob does not copy; .to(kFloat) / .clone() makes an owned float32 tensor.
  at::Tensor view =
      at::from_blob(const_cast<uint8_t*>(t.data), t.shape, at::TensorOptions().dtype(it->second));
  return it->second == at::kFloat ? view.clone() : view.to(at::kFloat);
}

}  // namespace genvec
