// Files written whole (manifests, shards, results) appear atomically: written to a temporary
// name in the same folder, flushed, fsynced, renamed over the target, and the folder fsynced,
// so a reader (or a run resumed after kill -9) sees the old file or the new one, never half.
#pragma once

#include <filesystem>
#include <string_view>

namespace genvec {

// Creates missing parent folders. Throws IoError naming the file.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// For files another library writes (HDF5): fsyncs the finished `temporary`, renames it to `path`
// and fsyncs the folder.
void publish_file_atomic(const std::filesystem::path& temporary, const std::filesystem::path& path);

// A temporary name beside `path` for this process.
std::filesystem::path temporary_path_for(const std::filesystem::path& path);

}  // namespace genvec
