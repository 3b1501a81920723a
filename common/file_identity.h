// A cheap identity of a model file or directory for fingerprints: each file's name, size, and its
// first and last 4 MiB (GGUF and safetensors keep their headers and metadata there; a changed
// weight file changes its size or these bytes in practice), without reading gigabytes.
#pragma once

#include <filesystem>
#include <string>

namespace genvec {

// Throws IoError naming a file that cannot be read.
std::string file_identity(const std::filesystem::path& file_or_directory);

}  // namespace genvec
