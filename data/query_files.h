// Reading unlabeled queries from the files [data] names: JSONL (a text field), TSV/CSV (a text
// column named by the header row, RFC 4180 quoting, quoted fields may span lines), or plain text
// (one query per line); any of them gzip-compressed. Every row is validated; a bad row becomes a
// rejection with its file, line and reason instead of an exception, so one bad line never stops
// a run and is never dropped silently. Torch-free (fuzzed: tests/fuzz/query_files_fuzz.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace genvec {

enum class QueryFormat { jsonl, tsv, csv, text };

struct QueryRow {
  std::string text;  // trimmed of surrounding white space
  std::string id;    // the id field/column's value; empty when none is configured
  std::string file;
  int64_t line = 0;  // 1-based line where the row starts
};

struct RejectedRow {
  std::string file;
  int64_t line = 0;
  std::string reason;
};

struct QueryFileOptions {
  std::string format = "auto";  // "auto" picks by extension: .jsonl/.json, .tsv, .csv, else text
  std::string text_field = "text";
  std::string id_field;         // empty: no id column
  int64_t max_chars = 100'000;  // longer queries (in code points) are rejected
};

// The format a file is read in: `configured`, or for "auto" its extension (a trailing .gz is
// looked through).
QueryFormat query_format_of(const std::filesystem::path& file, const std::string& configured);

// The files the [data] patterns name, each pattern's matches sorted; a pattern that matches
// nothing is an IoError naming it.
std::vector<std::filesystem::path> query_files_expand(const std::vector<std::string>& patterns);

// Reads one query file (plain or gzip): valid rows go to `accept` in file order, bad ones to
// `reject`. Throws IoError only for a file that cannot be read at all or whose header lacks the
// configured column.
void query_file_read(const std::filesystem::path& file, const QueryFileOptions& options,
                     const std::function<void(QueryRow&&)>& accept,
                     const std::function<void(RejectedRow&&)>& reject);

// Reads a file whose every row must be used (the texts to encode or decode): its rows in file
// order, or an IoError listing the first bad rows (file:line: reason) and saying what they were
// for (`purpose`: "embedded"), or naming an empty file.
std::vector<QueryRow> query_file_read_all(const std::filesystem::path& file,
                                          const QueryFileOptions& options,
                                          const std::string& purpose);

// Reads rows from bytes already in memory (the fuzz target's entry; `source` names them).
void query_bytes_read(std::string_view bytes, const std::string& source, QueryFormat format,
                      const QueryFileOptions& options,
                      const std::function<void(QueryRow&&)>& accept,
                      const std::function<void(RejectedRow&&)>& reject);

// The form duplicates are compared in: white space runs collapsed to one space, trimmed, ASCII
// letters lower-cased.
std::string query_normalize(std::string_view text);

}  // namespace genvec
