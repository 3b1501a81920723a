// The line and record layer under every text file genvec reads (query files, evaluation task
// files): lines of a plain or gzip file streamed in blocks, and delimited records (RFC 4180
// quoting for CSV, where a quoted field may span lines). Torch-free (fuzzed through
// tests/fuzz/query_files_fuzz.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace genvec {

// Lines of a stream, without their "\n" (or "\r\n"); a last line without "\n" still counts.
class LineReader {
 public:
  using Fill = std::function<size_t(char* buffer, size_t capacity)>;
  explicit LineReader(Fill fill) : fill_(std::move(fill)) {}
  bool next(std::string& line);

 private:
  static constexpr size_t kBlock = 1 << 20;
  Fill fill_;
  std::string buffer_;
  size_t position_ = 0;
};

// The lines of a file, plain or gzip (gzread reads plain files as they are). Throws IoError
// naming the file when it cannot be opened or read.
class FileLines {
 public:
  explicit FileLines(const std::filesystem::path& file);
  ~FileLines();
  FileLines(const FileLines&) = delete;
  FileLines& operator=(const FileLines&) = delete;
  LineReader& lines() { return *lines_; }

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  std::unique_ptr<LineReader> lines_;
};

// Lines of bytes already in memory.
LineReader lines_of_bytes(std::string_view bytes);

// The fields of the record starting at `first_line`. With `quoting` (CSV, RFC 4180) a field
// opening with a quote may hold the delimiter, "" for a quote and line breaks (the record then
// continues on the next lines: `lines_used` says how many it took); without it (TSV as BEIR and
// most corpora write it) a quote is an ordinary character. False at a malformed quote.
bool split_record(LineReader& lines, std::string first_line, char delimiter, bool quoting,
                  std::vector<std::string>& fields, int64_t& lines_used);

}  // namespace genvec
