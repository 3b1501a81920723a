// The entries of a ZIP archive whose entries are stored uncompressed, as torch.save writes its
// checkpoints (ZIP64 included): name -> bytes inside the archive, every offset and size checked
// against the archive, so a damaged file is an IoError naming it, never a read outside it.
// Compressed or encrypted entries are IoErrors too. Torch-free (fuzzed through
// tests/fuzz/torch_checkpoint_fuzz.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>

namespace genvec {

using ZipEntries = std::map<std::string, std::span<const uint8_t>>;

// `source` names the archive in errors.
ZipEntries zip_stored_entries(std::span<const uint8_t> bytes, const std::string& source);

}  // namespace genvec
