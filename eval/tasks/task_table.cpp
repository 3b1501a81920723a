#include "eval/tasks/task_table.h"

#include <charconv>

#include "common/errors.h"
#include "common/json.h"
#include "common/utf8.h"
#include "data/text_records.h"

namespace genvec {
namespace {

void strip_bom(std::string& line) {
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
}

// Cells that are not valid UTF-8: an error naming the line, or (invalid_utf8 = "replace") each
// broken sequence replaced by U+FFFD as Python's errors="replace" does, counted.
void check_utf8(std::vector<std::string>& cells, const TableSource& source, const std::string& what,
                const std::string& file, int64_t line, int64_t& replaced);

[[noreturn]] void row_error(const std::string& what, const std::string& file, int64_t line,
                            const std::string& reason) {
  throw IoError(what + ": " + file + ":" + std::to_string(line) + ": " + reason,
                "fix the row or the task's column names in the registry");
}

void check_utf8(std::vector<std::string>& cells, const TableSource& source, const std::string& what,
                const std::string& file, int64_t line, int64_t& replaced) {
  for (std::string& cell : cells) {
    size_t invalid = 0;
    const std::vector<uint32_t> codepoints = utf8_decode(cell, &invalid);
    if (invalid == 0) continue;
    if (!source.replace_invalid_utf8)
      throw IoError(what + ": " + file + ":" + std::to_string(line) + ": not valid UTF-8 (" +
                        std::to_string(invalid) + " broken sequences)",
                    "fix the file, or set invalid_utf8 = \"replace\" for the task to read each "
                    "broken sequence as U+FFFD");
    cell = utf8_encode(codepoints);
    ++replaced;
  }
}

// Cells addressed by header name or by 1-based position.
class DelimitedRow : public TableRow {
 public:
  DelimitedRow(const std::string& what, const std::string& file,
               const std::vector<std::string>* header)
      : what_(what), file_(file), header_(header) {}
  void set(int64_t line, std::vector<std::string> cells) {
    line_ = line;
    cells_ = std::move(cells);
  }
  const std::string& file() const override { return file_; }
  int64_t line() const override { return line_; }
  std::string text(const std::string& column) const override { return cells_[index_of(column)]; }
  std::vector<std::string> list(const std::string& column) const override { return {text(column)}; }

 private:
  size_t index_of(const std::string& column) const {
    if (header_) {
      for (size_t i = 0; i < header_->size(); ++i)
        if ((*header_)[i] == column) return i;
      row_error(what_, file_, 1, "no column \"" + column + "\" in the header");
    }
    size_t number = 0;
    const auto [end, ec] = std::from_chars(column.data(), column.data() + column.size(), number);
    if (ec != std::errc() || end != column.data() + column.size() || number < 1)
      row_error(what_, file_, line_,
                "column \"" + column + "\" is not a number, and the file has no header");
    if (number > cells_.size())
      row_error(what_, file_, line_,
                "column " + column + " wanted, the row has " + std::to_string(cells_.size()));
    return number - 1;
  }

  const std::string& what_;
  const std::string& file_;
  const std::vector<std::string>* header_;
  int64_t line_ = 0;
  std::vector<std::string> cells_;
};

class JsonRow : public TableRow {
 public:
  JsonRow(const std::string& what, const std::string& file) : what_(what), file_(file) {}
  void set(int64_t line, Json value) {
    line_ = line;
    value_ = std::move(value);
  }
  const std::string& file() const override { return file_; }
  int64_t line() const override { return line_; }
  std::string text(const std::string& column) const override {
    const Json& v = get(column);
    switch (v.kind()) {
      case Json::Kind::string:
        return v.as_string(column);
      case Json::Kind::boolean:
        return v.as_bool(column) ? "true" : "false";
      case Json::Kind::number: {
        if (v.is_integer()) return std::to_string(v.as_int(column));
        char buffer[64];
        const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v.as_number(column));
        return std::string(buffer, end);
      }
      default:
        row_error(what_, file_, line_,
                  "\"" + column + "\" is " + std::string(json_kind_name(v.kind())) +
                      ", not a string, number or boolean");
    }
  }
  std::vector<std::string> list(const std::string& column) const override {
    const Json& v = get(column);
    if (!v.is_array()) row_error(what_, file_, line_, "\"" + column + "\" is not an array");
    std::vector<std::string> out;
    for (const Json& item : v.as_array(column)) {
      if (!item.is_string())
        row_error(what_, file_, line_, "\"" + column + "\" holds a non-string");
      out.push_back(item.as_string(column));
    }
    return out;
  }

 private:
  const Json& get(const std::string& column) const {
    const Json* v = value_.find(column);
    if (!v) row_error(what_, file_, line_, "no key \"" + column + "\"");
    return *v;
  }
  const std::string& what_;
  const std::string& file_;
  int64_t line_ = 0;
  Json value_;
};

void read_jsonl(const std::string& what, const std::string& file,
                const std::function<void(const TableRow&)>& visit) {
  FileLines lines(file);
  JsonRow row(what, file);
  std::string line;
  for (int64_t number = 1; lines.lines().next(line); ++number) {
    if (number == 1) strip_bom(line);
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      row_error(what, file, number, "empty line");
    Json value = json_parse(line, what + ": " + file + ":" + std::to_string(number));
    if (!value.is_object()) row_error(what, file, number, "not a JSON object");
    row.set(number, std::move(value));
    visit(row);
  }
}

void read_delimited(const TableSource& source, const std::string& what, const std::string& file,
                    const std::function<void(const TableRow&)>& visit, int64_t& replaced) {
  const char delimiter = source.format == "csv" ? ',' : '\t';
  const bool quoting = source.format == "csv";
  FileLines file_lines(file);
  LineReader& lines = file_lines.lines();
  std::vector<std::string> header, fields;
  int64_t number = 1, used = 0;
  std::string line;
  if (source.header) {
    if (!lines.next(line)) row_error(what, file, 1, "empty file, a header row was expected");
    strip_bom(line);
    if (!split_record(lines, line, delimiter, quoting, header, used))
      row_error(what, file, 1, "malformed header row");
    number += used;
  }
  DelimitedRow row(what, file, source.header ? &header : nullptr);
  for (; lines.next(line); number += used) {
    if (number == 1) strip_bom(line);
    if (!split_record(lines, line, delimiter, quoting, fields, used))
      row_error(what, file, number, "malformed quoting");
    if (fields.size() == 1 && fields[0].empty()) row_error(what, file, number, "empty line");
    if (source.header && fields.size() != header.size())
      row_error(what, file, number,
                std::to_string(fields.size()) + " fields, the header has " +
                    std::to_string(header.size()));
    check_utf8(fields, source, what, file, number, replaced);
    row.set(number, std::move(fields));
    visit(row);
  }
}

// Row i is lines_per_row[f] lines of every file f side by side.
void read_lines(const TableSource& source, const std::string& what,
                const std::function<void(const TableRow&)>& visit, int64_t& replaced) {
  std::vector<std::vector<std::string>> contents;
  for (const auto& path : source.files) {
    FileLines file_lines(path);
    std::vector<std::string> lines;
    std::string line;
    while (file_lines.lines().next(line)) lines.push_back(line);
    while (!lines.empty() && lines.back().find_first_not_of(" \t") == std::string::npos)
      lines.pop_back();  // blank lines at the end of a file are not rows
    if (!lines.empty()) strip_bom(lines[0]);
    contents.push_back(std::move(lines));
  }
  const std::string first = source.files[0].string();
  int64_t rows = -1;
  for (size_t f = 0; f < contents.size(); ++f) {
    const int64_t per_row = source.lines_per_row[f];
    const int64_t count = static_cast<int64_t>(contents[f].size());
    if (count % per_row != 0)
      row_error(what, source.files[f].string(), count,
                std::to_string(count) +
                    " lines, not a multiple of lines_per_row = " + std::to_string(per_row));
    if (rows >= 0 && count / per_row != rows)
      row_error(
          what, source.files[f].string(), count,
          std::to_string(count / per_row) + " rows, but " + first + " has " + std::to_string(rows));
    rows = count / per_row;
  }
  DelimitedRow row(what, first, nullptr);
  for (int64_t i = 0; i < rows; ++i) {
    std::vector<std::string> cells;
    for (size_t f = 0; f < contents.size(); ++f)
      for (int64_t j = 0; j < source.lines_per_row[f]; ++j)
        cells.push_back(contents[f][i * source.lines_per_row[f] + j]);
    if (!source.split.empty()) {
      const size_t at = cells[0].find(source.split);
      if (at == std::string::npos)
        row_error(what, first, i + 1, "no \"" + source.split + "\" to split the line at");
      const std::string rest = cells[0].substr(at + source.split.size());
      cells[0].resize(at);
      cells.insert(cells.begin() + 1, rest);
    }
    check_utf8(cells, source, what, first, i * source.lines_per_row[0] + 1, replaced);
    row.set(i * source.lines_per_row[0] + 1, std::move(cells));
    visit(row);
  }
}

}  // namespace

std::string TableRow::joined(const std::vector<std::string>& columns) const {
  std::string out;
  for (const std::string& column : columns) {
    const std::string part = text(column);
    if (part.empty()) continue;
    if (!out.empty()) out += ' ';
    out += part;
  }
  return out;
}

int64_t table_read(const TableSource& source, const std::string& what,
                   const std::function<void(const TableRow&)>& visit) {
  int64_t replaced = 0;
  const std::string file = source.files.at(0).string();
  if (source.format == "lines") {
    read_lines(source, what, visit, replaced);
  } else if (source.format == "jsonl") {
    read_jsonl(what, file, visit);  // the JSON reader refuses invalid UTF-8 itself
  } else {
    read_delimited(source, what, file, visit, replaced);
  }
  return replaced;
}

}  // namespace genvec
