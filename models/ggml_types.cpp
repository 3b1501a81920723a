// Dequantization of ggml block formats, following ggml's reference dequantize_row_* routines.
#include "models/ggml_types.h"

#include <array>
#include <bit>
#include <cstring>
#include <stdexcept>
#include <string>

namespace genvec {
namespace {

constexpr int64_t kQK = 32;    // values per block of the legacy quants (Q4_0 ... Q8_0)
constexpr int64_t kQKK = 256;  // values per super-block of the K-quants

constexpr std::array<GgmlTypeTraits, 16> kTraits = {{
    {GgmlType::f32, "F32", 1, 4, true},
    {GgmlType::f16, "F16", 1, 2, true},
    {GgmlType::q4_0, "Q4_0", kQK, 2 + 16, true},
    {GgmlType::q4_1, "Q4_1", kQK, 2 + 2 + 16, true},
    {GgmlType::q5_0, "Q5_0", kQK, 2 + 4 + 16, true},
    {GgmlType::q5_1, "Q5_1", kQK, 2 + 2 + 4 + 16, true},
    {GgmlType::q8_0, "Q8_0", kQK, 2 + 32, true},
    {GgmlType::q4_k, "Q4_K", kQKK, 2 + 2 + 12 + kQKK / 2, true},
    {GgmlType::q5_k, "Q5_K", kQKK, 2 + 2 + 12 + kQKK / 8 + kQKK / 2, true},
    {GgmlType::q6_k, "Q6_K", kQKK, kQKK / 2 + kQKK / 4 + kQKK / 16 + 2, true},
    {GgmlType::i8, "I8", 1, 1, false},
    {GgmlType::i16, "I16", 1, 2, false},
    {GgmlType::i32, "I32", 1, 4, false},
    {GgmlType::i64, "I64", 1, 8, false},
    {GgmlType::f64, "F64", 1, 8, true},
    {GgmlType::bf16, "BF16", 1, 2, true},
}};

uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

float load_f16(const uint8_t* p) { return ggml_f16_to_f32(load_u16(p)); }

// The 6-bit scale and min of sub-block j of a Q4_K/Q5_K super-block (ggml get_scale_min_k4).
void scale_min_k4(int j, const uint8_t* q, uint8_t& scale, uint8_t& min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

void dequantize_q4_0(const uint8_t* block, float* y) {
  const float d = load_f16(block);
  const uint8_t* qs = block + 2;
  for (int j = 0; j < kQK / 2; ++j) {
    y[j] = static_cast<float>((qs[j] & 0x0F) - 8) * d;
    y[j + kQK / 2] = static_cast<float>((qs[j] >> 4) - 8) * d;
  }
}

void dequantize_q4_1(const uint8_t* block, float* y) {
  const float d = load_f16(block), m = load_f16(block + 2);
  const uint8_t* qs = block + 4;
  for (int j = 0; j < kQK / 2; ++j) {
    y[j] = static_cast<float>(qs[j] & 0x0F) * d + m;
    y[j + kQK / 2] = static_cast<float>(qs[j] >> 4) * d + m;
  }
}

// Q5_0 (with_min = false: d, qh, qs; values - 16) and Q5_1 (d, m, qh, qs; values * d + m).
void dequantize_q5(const uint8_t* block, float* y, bool with_min) {
  const float d = load_f16(block), m = with_min ? load_f16(block + 2) : 0.0f;
  const uint8_t* p = block + (with_min ? 4 : 2);
  uint32_t qh;
  std::memcpy(&qh, p, 4);
  const uint8_t* qs = p + 4;
  const int offset = with_min ? 0 : 16;
  for (int j = 0; j < kQK / 2; ++j) {
    const int high_0 = ((qh >> j) << 4) & 0x10;
    const int high_1 = (qh >> (j + 12)) & 0x10;
    const int x0 = ((qs[j] & 0x0F) | high_0) - offset;
    const int x1 = ((qs[j] >> 4) | high_1) - offset;
    // Q5_0 must not add a zero minimum: 0 * -d is -0.0, and -0.0 + 0.0 would be +0.0.
    y[j] = with_min ? static_cast<float>(x0) * d + m : static_cast<float>(x0) * d;
    y[j + kQK / 2] = with_min ? static_cast<float>(x1) * d + m : static_cast<float>(x1) * d;
  }
}

void dequantize_q8_0(const uint8_t* block, float* y) {
  const float d = load_f16(block);
  const int8_t* qs = reinterpret_cast<const int8_t*>(block + 2);
  for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(qs[j]) * d;
}

// Q4_K (has_high_bit = false) and Q5_K (true): 8 sub-blocks of 32 with 6-bit scales and mins.
void dequantize_q45_k(const uint8_t* block, float* y, bool has_high_bit) {
  const float d = load_f16(block), dmin = load_f16(block + 2);
  const uint8_t* scales = block + 4;
  const uint8_t* qh = block + 16;
  const uint8_t* ql = block + 16 + (has_high_bit ? kQKK / 8 : 0);
  uint8_t u1 = 1, u2 = 2;
  for (int j = 0, is = 0; j < kQKK; j += 64, is += 2, ql += 32) {
    uint8_t sc, m;
    scale_min_k4(is, scales, sc, m);
    const float d1 = d * sc, m1 = dmin * m;
    scale_min_k4(is + 1, scales, sc, m);
    const float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l) {
      const int high = has_high_bit && (qh[l] & u1) ? 16 : 0;
      *y++ = d1 * static_cast<float>((ql[l] & 0xF) + high) - m1;
    }
    for (int l = 0; l < 32; ++l) {
      const int high = has_high_bit && (qh[l] & u2) ? 16 : 0;
      *y++ = d2 * static_cast<float>((ql[l] >> 4) + high) - m2;
    }
    u1 <<= 2;
    u2 <<= 2;
  }
}

void dequantize_q6_k(const uint8_t* block, float* y) {
  const uint8_t* ql = block;
  const uint8_t* qh = block + kQKK / 2;
  const int8_t* sc = reinterpret_cast<const int8_t*>(block + kQKK / 2 + kQKK / 4);
  const float d = load_f16(block + kQKK / 2 + kQKK / 4 + kQKK / 16);
  for (int n = 0; n < kQKK; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * static_cast<float>(sc[is + 0]) * static_cast<float>(q1);
      y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
      y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
      y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
    }
  }
}

template <class Fn>
void for_each_block(const void* src, float* dst, int64_t n, int64_t block_size, int64_t type_size,
                    Fn&& decode_block) {
  const uint8_t* bytes = static_cast<const uint8_t*>(src);
  for (int64_t b = 0; b < n / block_size; ++b)
    decode_block(bytes + b * type_size, dst + b * block_size);
}

}  // namespace

std::optional<GgmlTypeTraits> ggml_type_traits(uint32_t type_number) {
  for (const GgmlTypeTraits& traits : kTraits)
    if (static_cast<uint32_t>(traits.type) == type_number) return traits;
  return std::nullopt;
}

int64_t ggml_bytes(const GgmlTypeTraits& traits, int64_t n) {
  return n / traits.block_size * traits.type_size;
}

float ggml_f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000 | (mantissa << 13);  // inf / NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // +-0
  } else {
    // Subnormal half: normalize the mantissa into a float exponent.
    exponent = 113;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
  }
  return std::bit_cast<float>(bits);
}

float ggml_bf16_to_f32(uint16_t bf16) {
  return std::bit_cast<float>(static_cast<uint32_t>(bf16) << 16);
}

void ggml_dequantize(GgmlType type, const void* src, float* dst, int64_t n) {
  const GgmlTypeTraits traits = *ggml_type_traits(static_cast<uint32_t>(type));
  auto blocks = [&](auto&& decode) {
    for_each_block(src, dst, n, traits.block_size, traits.type_size, decode);
  };
  const uint8_t* bytes = static_cast<const uint8_t*>(src);
  switch (type) {
    case GgmlType::f32:
      std::memcpy(dst, src, n * sizeof(float));
      return;
    case GgmlType::f16:
      for (int64_t i = 0; i < n; ++i) dst[i] = ggml_f16_to_f32(load_u16(bytes + 2 * i));
      return;
    case GgmlType::bf16:
      for (int64_t i = 0; i < n; ++i) dst[i] = ggml_bf16_to_f32(load_u16(bytes + 2 * i));
      return;
    case GgmlType::f64:
      for (int64_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, bytes + 8 * i, 8);
        dst[i] = static_cast<float>(v);
      }
      return;
    case GgmlType::q4_0:
      blocks(dequantize_q4_0);
      return;
    case GgmlType::q4_1:
      blocks(dequantize_q4_1);
      return;
    case GgmlType::q5_0:
      blocks([](const uint8_t* b, float* y) { dequantize_q5(b, y, false); });
      return;
    case GgmlType::q5_1:
      blocks([](const uint8_t* b, float* y) { dequantize_q5(b, y, true); });
      return;
    case GgmlType::q8_0:
      blocks(dequantize_q8_0);
      return;
    case GgmlType::q4_k:
      blocks([](const uint8_t* b, float* y) { dequantize_q45_k(b, y, false); });
      return;
    case GgmlType::q5_k:
      blocks([](const uint8_t* b, float* y) { dequantize_q45_k(b, y, true); });
      return;
    case GgmlType::q6_k:
      blocks(dequantize_q6_k);
      return;
    case GgmlType::i8:
    case GgmlType::i16:
    case GgmlType::i32:
    case GgmlType::i64:
      break;
  }
  // Callers check traits.dequantizable first: this is a programming error, not bad input.
  throw std::invalid_argument("ggml_dequantize: " + std::string(traits.name) +
                              " holds integers, not weights");
}

}  // namespace genvec
