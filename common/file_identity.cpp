// Cheap file identities: see file_identity.h.
#include "common/file_identity.h"

#include <algorithm>
#include <fstream>
#include <vector>

#include "common/errors.h"
#include "common/hash.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

void add_file(StableHash& hash, const fs::path& file) {
  constexpr std::streamoff kWindow = 4 << 20;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError(file.string() + ": cannot be read");
  const auto size = static_cast<std::streamoff>(fs::file_size(file));
  hash.add_field(file.filename().string()).add_field(std::to_string(size));
  auto add_window = [&](std::streamoff offset, std::streamoff length) {
    std::string window(static_cast<size_t>(length), '\0');
    in.seekg(offset);
    in.read(window.data(), static_cast<std::streamsize>(length));
    hash.add_field(window);
  };
  add_window(0, std::min(size, kWindow));
  if (size > kWindow)
    add_window(size - std::min(size - kWindow, kWindow), std::min(size - kWindow, kWindow));
}

}  // namespace

std::string file_identity(const fs::path& path) {
  StableHash hash;
  if (!fs::is_directory(path)) {
    add_file(hash, path);
    return hash.hex();
  }
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(path))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) add_file(hash, file);
  return hash.hex();
}

}  // namespace genvec
