// ggml tensor types as stored in GGUF files: their block layout and dequantization to float32.
// The bit layouts follow ggml's reference dequantize_row_* (ggml-quants.c); parity with gguf-py's
// numpy implementation is pinned by tests/models/ggml_types_test.cpp. Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace genvec {

// Values are ggml's enum ggml_type (the numbers stored in GGUF tensor infos).
enum class GgmlType : uint32_t {
  f32 = 0,
  f16 = 1,
  q4_0 = 2,
  q4_1 = 3,
  q5_0 = 6,
  q5_1 = 7,
  q8_0 = 8,
  q4_k = 12,
  q5_k = 13,
  q6_k = 14,
  i8 = 24,
  i16 = 25,
  i32 = 26,
  i64 = 27,
  f64 = 28,
  bf16 = 30,
};

struct GgmlTypeTraits {
  GgmlType type;
  std::string_view name;  // "Q4_K", as ggml and gguf-py spell it
  int64_t block_size;     // values per block
  int64_t type_size;      // bytes per block
  bool dequantizable;     // to float32 (integer tensors are not weights)
};

// The traits of a type number read from a file; nullopt for types genvec cannot read.
std::optional<GgmlTypeTraits> ggml_type_traits(uint32_t type_number);

// Bytes that `n` values of `traits` occupy; n must be a multiple of the block size.
int64_t ggml_bytes(const GgmlTypeTraits& traits, int64_t n);

// Decodes `n` values (a multiple of the block size) from `src` into `dst`.
void ggml_dequantize(GgmlType type, const void* src, float* dst, int64_t n);

// IEEE half and bfloat16 to float, exactly (subnormals, infinities, NaN).
float ggml_f16_to_f32(uint16_t half);
float ggml_bf16_to_f32(uint16_t bf16);

}  // namespace genvec
