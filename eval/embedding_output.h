// Where `genvec encode` puts embeddings, chosen by the output file's extension:
//   .h5     datasets "ids" (strings) and "embeddings" (float32, rows x dimension), atomically;
//   .npy    the float32 matrix alone, rows in input order (numpy.load reads it);
//   .jsonl  one {"id": ..., "embedding": [...]} per line.
// Torch-free.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "eval/metrics/matrix.h"

namespace genvec {

// ConfigError naming the file when its extension is none of the above.
void embeddings_check_output(const std::filesystem::path& file);

void embeddings_write(const std::filesystem::path& file, const std::vector<std::string>& ids,
                      const Matrix& embeddings, const std::string& description);

// The .npy bytes of a float32 matrix (format version 1.0, little-endian, C order).
std::string npy_bytes(const Matrix& embeddings);

}  // namespace genvec
