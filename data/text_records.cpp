#include "data/text_records.h"

#include <zlib.h>

#include <algorithm>

#include "common/errors.h"

namespace genvec {

bool LineReader::next(std::string& line) {
  line.clear();
  while (true) {
    const size_t newline = buffer_.find('\n', position_);
    if (newline != std::string::npos) {
      line.append(buffer_, position_, newline - position_);
      position_ = newline + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
    line.append(buffer_, position_, std::string::npos);
    buffer_.resize(kBlock);
    const size_t got = fill_(buffer_.data(), kBlock);
    buffer_.resize(got);
    position_ = 0;
    if (got == 0) {
      const bool partial_line = !line.empty();
      if (partial_line && line.back() == '\r') line.pop_back();
      return partial_line;
    }
  }
}

struct FileLines::Handle {
  gzFile file = nullptr;
  ~Handle() {
    if (file) gzclose(file);
  }
};

FileLines::FileLines(const std::filesystem::path& file) : handle_(std::make_unique<Handle>()) {
  handle_->file = gzopen(file.c_str(), "rb");
  if (!handle_->file)
    throw IoError(file.string() + ": cannot be opened", "check the path and permissions");
  lines_ = std::make_unique<LineReader>(
      [this, source = file.string()](char* buffer, size_t capacity) -> size_t {
        const int got = gzread(handle_->file, buffer, static_cast<unsigned>(capacity));
        if (got < 0) {
          int code = 0;
          throw IoError(source + ": read error (" + gzerror(handle_->file, &code) + ")",
                        "the file may be truncated or not gzip despite its name");
        }
        return static_cast<size_t>(got);
      });
}

FileLines::~FileLines() = default;

LineReader lines_of_bytes(std::string_view bytes) {
  return LineReader([bytes, offset = size_t{0}](char* buffer, size_t capacity) mutable {
    const size_t n = std::min(capacity, bytes.size() - offset);
    std::copy_n(bytes.data() + offset, n, buffer);
    offset += n;
    return n;
  });
}

bool split_record(LineReader& lines, std::string first_line, char delimiter, bool quoting,
                  std::vector<std::string>& fields, int64_t& lines_used) {
  fields.assign(1, std::string());
  std::string line = std::move(first_line);
  lines_used = 1;
  bool quoted = false;
  for (size_t i = 0;; ++i) {
    if (i == line.size()) {
      if (!quoted) return true;
      if (!lines.next(line)) return false;  // the file ended inside quotes
      ++lines_used;
      fields.back() += '\n';
      i = static_cast<size_t>(-1);
      continue;
    }
    const char c = line[i];
    std::string& field = fields.back();
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
        if (i + 1 < line.size() && line[i + 1] != delimiter) return false;  // "ab"c
      }
    } else if (c == delimiter) {
      fields.emplace_back();
    } else if (quoting && c == '"' && field.empty()) {
      quoted = true;
    } else {
      field += c;
    }
  }
}

}  // namespace genvec
