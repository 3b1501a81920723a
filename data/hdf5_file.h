// The HDF5 files genvec's caches are made of, written whole and read whole: one-dimensional
// datasets of one item per row (UTF-8 strings, int32 lists, int64s), float matrices and scalar
// attributes. Written under a temporary name and published atomically on close(), so a file
// exists complete or not at all. Errors are IoErrors naming the file. Torch-free (HDF5 C API,
// 1.10 and later).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genvec {

class Hdf5Writer {
 public:
  explicit Hdf5Writer(std::filesystem::path path);
  ~Hdf5Writer();  // without close(): the temporary is removed, nothing is published
  Hdf5Writer(const Hdf5Writer&) = delete;
  Hdf5Writer& operator=(const Hdf5Writer&) = delete;

  // Strings must not contain NUL bytes (HDF5 stores C strings): an IoError says which row.
  void strings(const char* name, const std::vector<std::string>& values);
  void int32_lists(const char* name, const std::vector<std::vector<int32_t>>& values);
  void int64s(const char* name, const std::vector<int64_t>& values);
  void float_matrix(const char* name, const float* data, int64_t rows, int64_t columns);
  void attribute(const char* name, const std::string& value);
  void attribute(const char* name, int64_t value);
  void close();

 private:
  std::filesystem::path path_, temporary_;
  int64_t file_ = -1;  // hid_t
};

class Hdf5Reader {
 public:
  explicit Hdf5Reader(const std::filesystem::path& path);
  ~Hdf5Reader();
  Hdf5Reader(const Hdf5Reader&) = delete;
  Hdf5Reader& operator=(const Hdf5Reader&) = delete;

  std::string string_attribute(const char* name) const;
  bool has_dataset(const char* name) const;
  bool has_attribute(const char* name) const;
  int64_t int_attribute(const char* name) const;
  // Each dataset must hold exactly `rows` rows (and `columns` columns).
  std::vector<std::string> strings(const char* name, int64_t rows) const;
  std::vector<std::vector<int32_t>> int32_lists(const char* name, int64_t rows) const;
  std::vector<int64_t> int64s(const char* name, int64_t rows) const;
  std::vector<float> float_matrix(const char* name, int64_t rows, int64_t columns) const;

 private:
  std::filesystem::path path_;
  int64_t file_ = -1;  // hid_t
};

}  // namespace genvec
