// Full-content file identities with a hash cache: see file_identity.h.
#include "common/file_identity.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "common/errors.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/paths.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kPrime1 = 0x9E3779B185EBCA87ull;
constexpr uint64_t kPrime2 = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t kPrime3 = 0x165667B19E3779F9ull;
constexpr uint64_t kPrime4 = 0x85EBCA77C2B2AE63ull;
constexpr uint64_t kPrime5 = 0x27D4EB2F165667C5ull;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
uint64_t round64(uint64_t acc, uint64_t input) { return rotl(acc + input * kPrime2, 31) * kPrime1; }
uint64_t load64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];  // little-endian on every host
  return v;
}

// One line of the cache: hash, size, mtime in ns, absolute path (the path last: it may hold tabs).
struct CacheKey {
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

fs::path cache_file() { return genvec_home() / "cache" / "file-hashes.tsv"; }

std::string cache_lookup(const CacheKey& key) {
  std::ifstream in(cache_file());
  std::string found;
  for (std::string line; std::getline(in, line);) {  // the last matching line wins
    char hash[17] = {0};
    unsigned long long size = 0;
    long long mtime = 0;
    int consumed = 0;
    if (std::sscanf(line.c_str(), "%16[0-9a-f]\t%llu\t%lld\t%n", hash, &size, &mtime, &consumed) !=
            3 ||
        consumed == 0)
      continue;  // a malformed or half-written line: ignored
    if (size == key.size && mtime == key.mtime_ns &&
        line.compare(consumed, std::string::npos, key.path) == 0)
      found = hash;
  }
  return found;
}

// Appends one line with a single write(2) to an O_APPEND file, so ranks hashing at once cannot
// interleave their lines. A cache that cannot be written only costs a rehash next time.
void cache_store(const CacheKey& key, const std::string& hash) {
  std::error_code error;
  fs::create_directories(cache_file().parent_path(), error);
  const int fd = ::open(cache_file().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    log_debug("cannot write the file hash cache " + cache_file().string());
    return;
  }
  const std::string line = hash + "\t" + std::to_string(key.size) + "\t" +
                           std::to_string(key.mtime_ns) + "\t" + key.path + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    log_debug("cannot write the file hash cache " + cache_file().string());
  ::close(fd);
}

std::string hash_bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw IoError(file.string() + ": cannot be read", "check that it exists and is readable");
  ContentHasher hasher;
  std::vector<char> buffer(8 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hasher.update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw IoError(file.string() + ": read error while hashing it");
  return hasher.hex();
}

}  // namespace

ContentHasher::ContentHasher() : lanes_{kPrime1 + kPrime2, kPrime2, 0, 0 - kPrime1}, pending_{} {}

void ContentHasher::stripe(const uint8_t* data) {
  for (int lane = 0; lane < 4; ++lane)
    lanes_[lane] = round64(lanes_[lane], load64(data + 8 * lane));
}

void ContentHasher::update(const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  total_ += size;
  if (pending_size_ > 0) {
    const size_t take = std::min(size, sizeof pending_ - pending_size_);
    std::memcpy(pending_ + pending_size_, bytes, take);
    pending_size_ += take;
    bytes += take;
    size -= take;
    if (pending_size_ < sizeof pending_) return;
    stripe(pending_);
    pending_size_ = 0;
  }
  for (; size >= 32; bytes += 32, size -= 32) stripe(bytes);
  std::memcpy(pending_, bytes, size);
  pending_size_ = size;
}

std::string ContentHasher::hex() const {
  uint64_t h = rotl(lanes_[0], 1) + rotl(lanes_[1], 7) + rotl(lanes_[2], 12) + rotl(lanes_[3], 18);
  for (uint64_t lane : lanes_) h = (h ^ round64(0, lane)) * kPrime1 + kPrime4;
  h += total_;
  size_t i = 0;
  for (; i + 8 <= pending_size_; i += 8)
    h = rotl(h ^ round64(0, load64(pending_ + i)), 27) * kPrime1 + kPrime4;
  for (; i < pending_size_; ++i) h = rotl(h ^ (pending_[i] * kPrime5), 11) * kPrime1;
  h = (h ^ (h >> 33)) * kPrime2;
  h = (h ^ (h >> 29)) * kPrime3;
  h ^= h >> 32;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

std::string file_content_hash(const fs::path& file) {
  std::error_code error;
  const fs::path absolute = fs::absolute(file, error);
  const auto size = fs::file_size(file, error);
  if (error) throw IoError(file.string() + ": cannot be read (" + error.message() + ")");
  const CacheKey key{
      absolute.string(), static_cast<uint64_t>(size),
      static_cast<int64_t>(fs::last_write_time(file, error).time_since_epoch().count())};
  if (!error) {
    if (std::string cached = cache_lookup(key); !cached.empty()) return cached;
  }
  const std::string hash = hash_bytes_of(file);
  if (!error) cache_store(key, hash);
  return hash;
}

std::string file_identity(const fs::path& path) {
  StableHash hash;
  if (!fs::is_directory(path)) {
    hash.add_field(path.filename().string()).add_field(file_content_hash(path));
    return hash.hex();
  }
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(path))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files)
    hash.add_field(fs::relative(file, path).string()).add_field(file_content_hash(file));
  return hash.hex();
}

}  // namespace genvec
