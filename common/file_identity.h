// The identity of a model file or directory for fingerprints: a hash of every byte of every file
// (with each file's name), so any change to the weights, tokenizer or config changes it. Reading a
// multi-GB model on every run would cost seconds to minutes, so each file's hash is cached by
// absolute path, size and modification time (ns) in $GENVEC_HOME/cache/file-hashes.tsv: a file is
// read again only after it changed. The hash is fast and stable, not cryptographic: it detects
// changed or swapped files, not tampering.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace genvec {

// Throws IoError naming a file that cannot be read.
std::string file_identity(const std::filesystem::path& file_or_directory);

// The content hash of one file (16 hex digits), through the cache.
std::string file_content_hash(const std::filesystem::path& file);

// The hash file_content_hash computes, over bytes fed in pieces of any size: four independent
// 64-bit lanes over 32-byte stripes (the xxHash64 round), so it runs at memory speed.
class ContentHasher {
 public:
  ContentHasher();
  void update(const void* data, size_t size);
  std::string hex() const;  // of everything fed so far

 private:
  void stripe(const uint8_t* data);
  uint64_t lanes_[4];
  uint8_t pending_[32];
  size_t pending_size_ = 0;
  uint64_t total_ = 0;
};

}  // namespace genvec
