// Files written whole (manifests, shards, results) appear atomically: written to a temporary
// name in the same folder, flushed, fsynced, renamed over the target, and the folder fsynced,
// so a reader (or a run resumed after kill -9) sees the old file or the new one, never half.
#pragma once

#include <filesystem>
#include <string_view>

namespace genvec {

// Creates missing parent folders. Throws IoError naming the file.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

}  // namespace genvec
