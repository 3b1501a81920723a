// HDF5 files written and read whole: see hdf5_file.h.
#include "data/hdf5_file.h"

#include <hdf5.h>

#include <algorithm>
#include <functional>

#include "common/atomic_file.h"
#include "common/errors.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

// An HDF5 identifier closed when it goes out of scope.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what, const fs::path& file)
      : id_(id), close_(close) {
    if (id_ < 0) throw IoError(file.string() + ": HDF5 could not " + what);
  }
  ~Handle() { close_(id_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  operator hid_t() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

void check(herr_t status, const std::string& what, const fs::path& file) {
  if (status < 0) throw IoError(file.string() + ": HDF5 could not " + what);
}

// HDF5 prints its own error stack to stderr by default; genvec's IoErrors say what failed.
void quiet_hdf5() {
  static const bool once = [] { return H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0; }();
  (void)once;
}

hid_t utf8_string_type() {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  return type;
}

void write_dataset(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims,
                   const void* data, const fs::path& path) {
  const Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                     H5Sclose, "create a dataspace", path);
  const Handle properties(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "create properties", path);
  if (dims[0] > 0) {
    std::vector<hsize_t> chunk = dims;
    chunk[0] = std::min<hsize_t>(dims[0], 1024);
    check(H5Pset_chunk(properties, static_cast<int>(chunk.size()), chunk.data()),
          "set the chunk size", path);
  }
  const Handle dataset(H5Dcreate2(file, name, type, space, H5P_DEFAULT, properties, H5P_DEFAULT),
                       H5Dclose, std::string("create dataset ") + name, path);
  if (dims[0] > 0)
    check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          std::string("write dataset ") + name, path);
}

// Opens dataset `name`, checks its shape, and hands its dataspace to `read`.
void read_dataset(hid_t file, const char* name, const std::vector<hsize_t>& dims,
                  const fs::path& path, const std::function<void(hid_t, hid_t)>& read) {
  const Handle dataset(H5Dopen2(file, name, H5P_DEFAULT), H5Dclose,
                       std::string("find dataset ") + name, path);
  const Handle space(H5Dget_space(dataset), H5Sclose, "read a dataspace", path);
  std::vector<hsize_t> found(dims.size());
  if (H5Sget_simple_extent_ndims(space) != static_cast<int>(dims.size()) ||
      H5Sget_simple_extent_dims(space, found.data(), nullptr) < 0 || found != dims)
    throw IoError(path.string() + ": dataset " + name + " does not have the expected shape",
                  "the file is damaged: rerun the stage with --force");
  if (dims[0] > 0) read(dataset, space);
}

void reclaim(hid_t type, hid_t space, void* buffer) {
#if H5_VERSION_GE(1, 12, 0)
  H5Treclaim(type, space, H5P_DEFAULT, buffer);
#else
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, buffer);
#endif
}

}  // namespace

Hdf5Writer::Hdf5Writer(fs::path path)
    : path_(std::move(path)), temporary_(temporary_path_for(path_)) {
  quiet_hdf5();
  std::error_code ignored;
  fs::create_directories(path_.parent_path(), ignored);
  file_ = H5Fcreate(temporary_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file_ < 0) throw IoError(path_.string() + ": HDF5 could not create the file");
}

Hdf5Writer::~Hdf5Writer() {
  if (file_ < 0) return;
  H5Fclose(file_);
  std::error_code ignored;
  fs::remove(temporary_, ignored);
}

void Hdf5Writer::strings(const char* name, const std::vector<std::string>& values) {
  std::vector<const char*> pointers;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].find('\0') != std::string::npos)
      throw IoError(path_.string() + ": row " + std::to_string(i) + " of " + name +
                    " contains a NUL byte, which an HDF5 string cannot hold");
    pointers.push_back(values[i].c_str());
  }
  const Handle type(utf8_string_type(), H5Tclose, "create a string type", path_);
  write_dataset(file_, name, type, {values.size()}, pointers.data(), path_);
}

void Hdf5Writer::int32_lists(const char* name, const std::vector<std::vector<int32_t>>& values) {
  std::vector<hvl_t> lists;
  for (const std::vector<int32_t>& v : values)
    lists.push_back({v.size(), const_cast<int32_t*>(v.data())});
  const Handle type(H5Tvlen_create(H5T_NATIVE_INT32), H5Tclose, "create a vlen type", path_);
  write_dataset(file_, name, type, {values.size()}, lists.data(), path_);
}

void Hdf5Writer::int64s(const char* name, const std::vector<int64_t>& values) {
  write_dataset(file_, name, H5T_NATIVE_INT64, {values.size()}, values.data(), path_);
}

void Hdf5Writer::float_matrix(const char* name, const float* data, int64_t rows, int64_t columns) {
  write_dataset(file_, name, H5T_NATIVE_FLOAT,
                {static_cast<hsize_t>(rows), static_cast<hsize_t>(columns)}, data, path_);
}

void Hdf5Writer::attribute(const char* name, const std::string& value) {
  const Handle type(utf8_string_type(), H5Tclose, "create a string type", path_);
  const Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace", path_);
  const Handle attribute(H5Acreate2(file_, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                         std::string("create attribute ") + name, path_);
  const char* text = value.c_str();
  check(H5Awrite(attribute, type, &text), std::string("write attribute ") + name, path_);
}

void Hdf5Writer::attribute(const char* name, int64_t value) {
  const Handle space(H5Screate(H5S_SCALAR), H5Sclose, "create a dataspace", path_);
  const Handle attribute(H5Acreate2(file_, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT),
                         H5Aclose, std::string("create attribute ") + name, path_);
  check(H5Awrite(attribute, H5T_NATIVE_INT64, &value), std::string("write attribute ") + name,
        path_);
}

void Hdf5Writer::close() {
  const herr_t status = H5Fclose(file_);
  file_ = -1;
  if (status < 0) {
    std::error_code ignored;
    fs::remove(temporary_, ignored);
    throw IoError(path_.string() + ": HDF5 could not finish the file");
  }
  publish_file_atomic(temporary_, path_);
}

Hdf5Reader::Hdf5Reader(const fs::path& path) : path_(path) {
  quiet_hdf5();
  file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file_ < 0)
    throw IoError(path.string() + ": HDF5 could not open the file",
                  "the file is damaged or not HDF5: rerun the stage with --force");
}

Hdf5Reader::~Hdf5Reader() { H5Fclose(file_); }

std::string Hdf5Reader::string_attribute(const char* name) const {
  const Handle attribute(H5Aopen(file_, name, H5P_DEFAULT), H5Aclose,
                         std::string("find attribute ") + name, path_);
  const Handle type(utf8_string_type(), H5Tclose, "create a string type", path_);
  char* text = nullptr;
  check(H5Aread(attribute, type, &text), std::string("read attribute ") + name, path_);
  std::string value = text ? text : "";
  H5free_memory(text);
  return value;
}

bool Hdf5Reader::has_dataset(const char* name) const {
  return H5Lexists(file_, name, H5P_DEFAULT) > 0;
}

bool Hdf5Reader::has_attribute(const char* name) const {
  return H5Aexists(file_, name) > 0;
}

int64_t Hdf5Reader::int_attribute(const char* name) const {
  const Handle attribute(H5Aopen(file_, name, H5P_DEFAULT), H5Aclose,
                         std::string("find attribute ") + name, path_);
  int64_t value = 0;
  check(H5Aread(attribute, H5T_NATIVE_INT64, &value), std::string("read attribute ") + name, path_);
  return value;
}

std::vector<std::string> Hdf5Reader::strings(const char* name, int64_t rows) const {
  std::vector<std::string> out(rows);
  const Handle type(utf8_string_type(), H5Tclose, "create a string type", path_);
  read_dataset(file_, name, {static_cast<hsize_t>(rows)}, path_, [&](hid_t dataset, hid_t space) {
    std::vector<char*> buffer(rows);
    check(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
          std::string("read dataset ") + name, path_);
    for (int64_t i = 0; i < rows; ++i) out[i] = buffer[i] ? buffer[i] : "";
    reclaim(type, space, buffer.data());
  });
  return out;
}

std::vector<std::vector<int32_t>> Hdf5Reader::int32_lists(const char* name, int64_t rows) const {
  std::vector<std::vector<int32_t>> out(rows);
  const Handle type(H5Tvlen_create(H5T_NATIVE_INT32), H5Tclose, "create a vlen type", path_);
  read_dataset(file_, name, {static_cast<hsize_t>(rows)}, path_, [&](hid_t dataset, hid_t space) {
    std::vector<hvl_t> buffer(rows);
    check(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
          std::string("read dataset ") + name, path_);
    for (int64_t i = 0; i < rows; ++i) {
      const int32_t* p = static_cast<const int32_t*>(buffer[i].p);
      out[i].assign(p, p + buffer[i].len);
    }
    reclaim(type, space, buffer.data());
  });
  return out;
}

std::vector<int64_t> Hdf5Reader::int64s(const char* name, int64_t rows) const {
  std::vector<int64_t> out(rows);
  read_dataset(file_, name, {static_cast<hsize_t>(rows)}, path_, [&](hid_t dataset, hid_t) {
    check(H5Dread(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
          std::string("read dataset ") + name, path_);
  });
  return out;
}

std::vector<float> Hdf5Reader::float_matrix(const char* name, int64_t rows, int64_t columns) const {
  std::vector<float> out(rows * columns);
  read_dataset(file_, name, {static_cast<hsize_t>(rows), static_cast<hsize_t>(columns)}, path_,
               [&](hid_t dataset, hid_t) {
                 check(
                     H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
                     std::string("read dataset ") + name, path_);
               });
  return out;
}

}  // namespace genvec
