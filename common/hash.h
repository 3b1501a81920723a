// Stable, dependency-free hashes for ids, shard assignment, checksums and fingerprints: FNV-1a
// 64 with a final avalanche (SplitMix64's), so nearby inputs spread over shards. Not
// cryptographic: they detect accidents (a changed file, a truncated shard), not tampering.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace genvec {

class StableHash {
 public:
  StableHash& add(std::string_view bytes) {
    for (const char c : bytes) state_ = (state_ ^ static_cast<uint8_t>(c)) * 0x100000001B3ull;
    return *this;
  }
  // Separates fields, so ("ab", "c") and ("a", "bc") differ.
  StableHash& add_field(std::string_view bytes) {
    add(bytes);
    return add(std::string_view("\0", 1));
  }
  uint64_t value() const {
    uint64_t z = state_ + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::string hex() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value()));
    return text;
  }

 private:
  uint64_t state_ = 0xCBF29CE484222325ull;
};

}  // namespace genvec
