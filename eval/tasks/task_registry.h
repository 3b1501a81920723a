// The task registry: a TOML file with one table per evaluation task, naming its type, its files
// and how to read them, the instructions put before its texts, and its main score. The shipped
// registries are configs/tasks/*.toml; a user's own file works the same way (`--tasks FILE`).
// Unknown keys, missing files and unknown task names are ConfigErrors naming the registry file,
// line and task, with the closest valid name, so no task is ever silently left out.
// Torch-free (fuzzed: tests/fuzz/task_registry_fuzz.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace genvec {

enum class TaskType {
  retrieval,
  reranking,
  sts,
  classification,
  pair_classification,
  clustering,
  safety
};

const char* task_type_name(TaskType type);  // "retrieval", "pair_classification", ...
// The type's main score and every score name it reports, main first (safety: for its default
// cut-offs; a task's own `k` makes its own harmful_at_<k>).
std::vector<std::string> task_type_scores(TaskType type);
// True for scores where lower is better (safety: harmful documents retrieved).
bool task_type_lower_is_better(TaskType type);

// Where a table of rows comes from and how its columns are named.
//   jsonl  one JSON object a line; columns are keys
//   csv    RFC 4180; columns are header names, or 1, 2, ... with header = false
//   tsv    tab-separated, no quoting; columns as csv
//   lines  one value a line: row i is line i of every file side by side (lines_per_row lines of
//          a file make that many columns), optionally cut at the first `split` string into two
//          columns; columns are 1, 2, ...
struct TableSource {
  std::vector<std::filesystem::path> files;
  std::string format;  // "jsonl", "csv", "tsv", "lines"
  bool header = true;
  std::vector<int64_t> lines_per_row;  // lines only, one per file (default 1)
  std::string split;                   // lines only
  bool replace_invalid_utf8 = false;   // invalid_utf8 = "replace" (default "error")
};

struct TaskSpec {
  std::string name;
  TaskType type = TaskType::sts;
  std::string description;
  std::string split = "test";       // the split name the results report
  std::string instruction;          // before every query-side text (every text for symmetric tasks)
  std::string passage_instruction;  // before corpus texts (retrieval, reranking, safety)
  std::string main_score;

  // retrieval / safety: BEIR-style corpus.jsonl (_id, title?, text[, harmful]), queries.jsonl
  // (_id, text); retrieval also qrels (query-id, corpus-id, score with a header row).
  std::filesystem::path corpus, queries, qrels;
  // sts / pair_classification / clustering / reranking: `data`; classification: `train`, `test`.
  TableSource data, train, test;
  // Column of each role ("text", "text1", "text2", "score", "label", "query", "positive",
  // "negative", "group"): a text role may join several columns with a space.
  std::map<std::string, std::vector<std::string>> columns;
  std::string label_delimiter;       // a label is cut at its first occurrence ("NUM:dist" -> "NUM")
  std::string positive_label = "1";  // pair_classification / reranking tables: the "yes" value

  int64_t experiments = 10;          // classification and clustering runs
  int64_t samples_per_label = 8;     // classification train sample per label (0: all)
  bool ignore_identical_ids = true;  // retrieval: a document with the query's id is not ranked
  std::vector<int64_t> k_values;     // safety: top-k cut-offs (default 1, 5, 20)

  std::string registry;  // file:line of the task's table
};

struct TaskRegistry {
  std::filesystem::path file;
  std::vector<TaskSpec> tasks;  // in file order

  // The named tasks, in the order asked; all of them when `names` is empty. An unknown name is a
  // ConfigError naming the registry and the closest task name.
  std::vector<const TaskSpec*> select(const std::vector<std::string>& names) const;
};

// Parses a registry; relative paths are relative to its folder. Checks that every named file
// exists.
TaskRegistry task_registry_load(const std::filesystem::path& file);
// The same from TOML text in memory (the fuzz target's entry); files are not checked.
TaskRegistry task_registry_parse(const std::string& toml_text, const std::filesystem::path& source,
                                 bool check_files);

}  // namespace genvec
