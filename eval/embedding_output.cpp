#include "eval/embedding_output.h"

#include <bit>
#include <cstring>
#include <sstream>

#include "common/atomic_file.h"
#include "common/errors.h"
#include "common/json.h"
#include "data/hdf5_file.h"

namespace genvec {

void embeddings_check_output(const std::filesystem::path& file) {
  const std::string extension = file.extension().string();
  if (extension != ".h5" && extension != ".npy" && extension != ".jsonl")
    throw ConfigError("--output " + file.string() + ": unknown format \"" + extension + "\"",
                      "end the name with .h5 (ids + matrix), .npy (matrix) or .jsonl");
}

std::string npy_bytes(const Matrix& m) {
  static_assert(std::endian::native == std::endian::little, "npy '<f4' is written as is");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" +
                       std::to_string(m.rows) + ", " + std::to_string(m.cols) + "), }";
  // Magic (6) + version (2) + length (2) + header + '\n' is padded to a multiple of 64 bytes.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  const size_t bytes = m.values.size() * sizeof(float);
  const size_t offset = out.size();
  out.resize(offset + bytes);
  std::memcpy(out.data() + offset, m.values.data(), bytes);
  return out;
}

void embeddings_write(const std::filesystem::path& file, const std::vector<std::string>& ids,
                      const Matrix& m, const std::string& description) {
  embeddings_check_output(file);
  if (!file.parent_path().empty()) std::filesystem::create_directories(file.parent_path());
  const std::string extension = file.extension().string();
  if (extension == ".npy") return write_file_atomic(file, npy_bytes(m));
  if (extension == ".h5") {
    Hdf5Writer out(file);
    out.strings("ids", ids);
    out.float_matrix("embeddings", m.values.data(), m.rows, m.cols);
    out.attribute("model", description);
    out.close();
    return;
  }
  std::ostringstream out;
  for (int64_t i = 0; i < m.rows; ++i) {
    out << "{\"id\": " << json_quote(ids[i]) << ", \"embedding\": [";
    for (int64_t j = 0; j < m.cols; ++j) out << (j ? ", " : "") << json_number(m.row(i)[j]);
    out << "]}\n";
  }
  write_file_atomic(file, out.str());
}

}  // namespace genvec
