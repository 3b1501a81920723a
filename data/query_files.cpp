// Query files: see query_files.h.
#include "data/query_files.h"

#include <glob.h>

#include <algorithm>
#include <memory>

#include "common/errors.h"
#include "common/json.h"
#include "common/utf8.h"
#include "data/text_records.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// Checks a query's text and hands it on, or rejects it with the reason.
class RowSink {
 public:
  RowSink(const std::string& source, const QueryFileOptions& options,
          const std::function<void(QueryRow&&)>& accept,
          const std::function<void(RejectedRow&&)>& reject)
      : source_(source), options_(options), accept_(accept), reject_(reject) {}

  void reject(int64_t line, std::string reason) const {
    reject_({source_, line, std::move(reason)});
  }

  void offer(int64_t line, std::string_view raw_text, std::string id) const {
    size_t invalid = 0;
    const std::vector<uint32_t> codepoints = utf8_decode(raw_text, &invalid);
    if (invalid > 0) return reject(line, "invalid UTF-8");
    const std::string_view text = trim(raw_text);
    if (text.empty()) return reject(line, "empty query");
    if (static_cast<int64_t>(codepoints.size()) > options_.max_chars)
      return reject(line, "longer than data.max_query_chars = " +
                              std::to_string(options_.max_chars) + " characters");
    if (!options_.id_field.empty() && trim(id).empty()) return reject(line, "empty id");
    accept_({std::string(text), std::move(id), source_, line});
  }

 private:
  const std::string& source_;
  const QueryFileOptions& options_;
  const std::function<void(QueryRow&&)>& accept_;
  const std::function<void(RejectedRow&&)>& reject_;
};

void read_jsonl(LineReader& lines, const std::string& source, const QueryFileOptions& options,
                const RowSink& sink) {
  std::string line;
  for (int64_t number = 1; lines.next(line); ++number) {
    if (trim(line).empty()) {
      sink.reject(number, "empty line");
      continue;
    }
    Json row;
    try {
      row = json_parse(line, source + ":" + std::to_string(number));
    } catch (const IoError& e) {
      sink.reject(number, std::string("malformed JSON: ") + e.what());
      continue;
    }
    const Json* text = row.find(options.text_field);
    if (!text || !text->is_string()) {
      sink.reject(number, "no string field \"" + options.text_field + "\"");
      continue;
    }
    std::string id;
    if (!options.id_field.empty()) {
      const Json* id_value = row.find(options.id_field);
      if (id_value && id_value->is_string()) {
        id = id_value->as_string(options.id_field);
      } else if (id_value && id_value->is_integer()) {
        id = std::to_string(id_value->as_int(options.id_field));
      } else {
        sink.reject(number, "no string or integer id field \"" + options.id_field + "\"");
        continue;
      }
    }
    sink.offer(number, text->as_string(options.text_field), std::move(id));
  }
}

void read_delimited(LineReader& lines, const std::string& source, char delimiter,
                    const QueryFileOptions& options, const RowSink& sink) {
  std::string line;
  if (!lines.next(line)) return;  // an empty file has no rows
  std::vector<std::string> header;
  int64_t used = 0;
  if (!split_record(lines, line, delimiter, true, header, used))
    throw IoError(source + ":1: malformed header row");
  auto column = [&](const std::string& name, const char* key) {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      std::string names;
      for (const std::string& h : header) names += (names.empty() ? "" : ", ") + h;
      throw IoError(source + ":1: no column \"" + name + "\" in the header (" + names + ")",
                    std::string("set ") + key + " to one of the header's columns");
    }
    return static_cast<size_t>(it - header.begin());
  };
  const size_t text_column = column(options.text_field, "data.text_field");
  const size_t id_column = options.id_field.empty() ? 0 : column(options.id_field, "data.id_field");
  std::vector<std::string> fields;
  for (int64_t number = 1 + used; lines.next(line); number += used) {
    if (!split_record(lines, line, delimiter, true, fields, used)) {
      sink.reject(number, "malformed quoting");
      continue;
    }
    if (fields.size() == 1 && trim(fields[0]).empty()) {
      sink.reject(number, "empty line");
      continue;
    }
    if (fields.size() != header.size()) {
      sink.reject(number, std::to_string(fields.size()) + " fields, the header has " +
                              std::to_string(header.size()));
      continue;
    }
    sink.offer(number, fields[text_column],
               options.id_field.empty() ? std::string() : fields[id_column]);
  }
}

void read_text(LineReader& lines, const RowSink& sink) {
  std::string line;
  for (int64_t number = 1; lines.next(line); ++number) sink.offer(number, line, std::string());
}

void read_rows(LineReader& lines, const std::string& source, QueryFormat format,
               const QueryFileOptions& options, const std::function<void(QueryRow&&)>& accept,
               const std::function<void(RejectedRow&&)>& reject) {
  const RowSink sink(source, options, accept, reject);
  switch (format) {
    case QueryFormat::jsonl:
      return read_jsonl(lines, source, options, sink);
    case QueryFormat::tsv:
      return read_delimited(lines, source, '\t', options, sink);
    case QueryFormat::csv:
      return read_delimited(lines, source, ',', options, sink);
    case QueryFormat::text:
      if (!options.id_field.empty())
        throw IoError(source + ": plain text files have no id column",
                      "leave data.id_field empty for text files (ids then come from the text)");
      return read_text(lines, sink);
  }
}

}  // namespace

QueryFormat query_format_of(const fs::path& file, const std::string& configured) {
  if (configured == "jsonl") return QueryFormat::jsonl;
  if (configured == "tsv") return QueryFormat::tsv;
  if (configured == "csv") return QueryFormat::csv;
  if (configured == "text") return QueryFormat::text;
  fs::path name = file;
  if (name.extension() == ".gz") name = name.stem();
  const std::string extension = name.extension().string();
  if (extension == ".jsonl" || extension == ".json") return QueryFormat::jsonl;
  if (extension == ".tsv") return QueryFormat::tsv;
  if (extension == ".csv") return QueryFormat::csv;
  return QueryFormat::text;
}

std::vector<fs::path> query_files_expand(const std::vector<std::string>& patterns) {
  if (patterns.empty())
    throw IoError("data.files is empty", "name the query files (or globs) in [data] files");
  std::vector<fs::path> files;
  for (const std::string& pattern : patterns) {
    glob_t matches{};
    const int status = glob(pattern.c_str(), GLOB_ERR, nullptr, &matches);
    std::vector<fs::path> found(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
    globfree(&matches);
    if (status != 0 || found.empty())
      throw IoError("data.files: \"" + pattern + "\" matches no file",
                    "check the path; relative paths are relative to the config file");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

void query_file_read(const fs::path& file, const QueryFileOptions& options,
                     const std::function<void(QueryRow&&)>& accept,
                     const std::function<void(RejectedRow&&)>& reject) {
  FileLines file_lines(file);
  read_rows(file_lines.lines(), file.string(), query_format_of(file, options.format), options,
            accept, reject);
}

std::vector<QueryRow> query_file_read_all(const fs::path& file, const QueryFileOptions& options,
                                          const std::string& purpose) {
  std::vector<QueryRow> rows;
  std::vector<RejectedRow> rejected;
  query_file_read(
      file, options, [&](QueryRow&& row) { rows.push_back(std::move(row)); },
      [&](RejectedRow&& row) { rejected.push_back(std::move(row)); });
  if (!rejected.empty()) {
    std::string list;
    for (size_t i = 0; i < rejected.size() && i < 5; ++i)
      list += "\n  " + rejected[i].file + ":" + std::to_string(rejected[i].line) + ": " +
              rejected[i].reason;
    throw IoError(std::to_string(rejected.size()) + " rows of " + file.string() + " cannot be " +
                      purpose + ":" + list,
                  "fix or remove them; every row of the input is used or none is");
  }
  if (rows.empty()) throw IoError(file.string() + " has no rows", "check the input file");
  return rows;
}

void query_bytes_read(std::string_view bytes, const std::string& source, QueryFormat format,
                      const QueryFileOptions& options,
                      const std::function<void(QueryRow&&)>& accept,
                      const std::function<void(RejectedRow&&)>& reject) {
  LineReader lines = lines_of_bytes(bytes);
  read_rows(lines, source, format, options, accept, reject);
}

std::string query_normalize(std::string_view text) {
  std::string out;
  bool pending_space = false;
  for (const char c : trim(text)) {
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

}  // namespace genvec
