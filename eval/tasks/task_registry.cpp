#include "eval/tasks/task_registry.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "common/errors.h"
#include "common/paths.h"
#include "common/spelling.h"

namespace genvec {
namespace fs = std::filesystem;
namespace {

struct TypeInfo {
  TaskType type;
  const char* name;
  std::vector<std::string> scores;  // main first
  std::vector<std::string> keys;    // keys besides the common ones
};

const std::vector<std::string> kTableKeys = {"file", "format", "header", "lines_per_row",
                                             "line_split", "invalid_utf8"};
const std::vector<std::string> kCommonKeys = {"type", "description", "split", "instruction",
                                              "main_score"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::vector<TypeInfo>& type_infos() {
  static const std::vector<TypeInfo> infos = {
      {TaskType::retrieval,
       "retrieval",
       {"ndcg_at_10", "map_at_100", "mrr_at_10", "recall_at_100", "ndcg_at_1", "ndcg_at_100",
        "map_at_10", "recall_at_10", "precision_at_1", "precision_at_10"},
       {"corpus", "queries", "qrels", "passage_instruction", "ignore_identical_ids"}},
      {TaskType::reranking,
       "reranking",
       {"map", "mrr_at_10"},
       with(kTableKeys, {"passage_instruction", "query", "positive", "negative", "text", "label",
                         "group", "positive_label"})},
      {TaskType::sts,
       "sts",
       {"cosine_spearman", "cosine_pearson"},
       with(kTableKeys, {"text1", "text2", "score"})},
      {TaskType::classification,
       "classification",
       {"accuracy", "f1"},
       {"train_file", "test_file", "format", "header", "lines_per_row", "line_split",
        "invalid_utf8", "text", "label", "label_delimiter", "experiments", "samples_per_label"}},
      {TaskType::pair_classification,
       "pair_classification",
       {"max_ap", "cosine_ap", "dot_ap", "euclidean_ap", "manhattan_ap"},
       with(kTableKeys, {"text1", "text2", "label", "positive_label"})},
      {TaskType::clustering,
       "clustering",
       {"v_measure"},
       with(kTableKeys, {"text", "label", "label_delimiter", "experiments"})},
      {TaskType::safety,
       "safety",
       {"harmful_at_5", "harmful_at_1", "harmful_at_20"},
       {"corpus", "queries", "passage_instruction", "k"}},
  };
  return infos;
}

const TypeInfo& info_of(TaskType type) {
  for (const TypeInfo& info : type_infos())
    if (info.type == type) return info;
  throw std::logic_error("task type without info");
}

// Reads one task's table, checking every key against its type.
class TaskReader {
 public:
  TaskReader(const toml::table& table, std::string where, const fs::path& base, bool check_files)
      : table_(table), where_(std::move(where)), base_(base), check_files_(check_files) {}

  [[noreturn]] void fail(const std::string& what, const std::string& hint) const {
    throw ConfigError(where_ + ": " + what, hint);
  }

  void check_keys(const TypeInfo& info) const {
    const std::vector<std::string> valid = with(kCommonKeys, info.keys);
    for (const auto& [key, node] : table_) {
      const std::string name(key.str());
      if (std::find(valid.begin(), valid.end(), name) == valid.end())
        fail("unknown key \"" + name + "\" for a " + info.name + " task",
             "did you mean \"" + closest_name(name, valid) + "\"? A " + info.name +
                 " task takes: " + join(valid));
    }
  }

  std::string string(const std::string& key, const std::string& fallback) const {
    const toml::node* node = table_.get(key);
    if (!node) return fallback;
    if (!node->is_string()) fail(key + " must be a string", "quote it: " + key + " = \"...\"");
    return **node->as_string();
  }

  std::string required_string(const std::string& key, const std::string& why) const {
    if (!table_.get(key)) fail("needs " + key, why);
    return string(key, "");
  }

  int64_t integer(const std::string& key, int64_t fallback, int64_t minimum) const {
    const toml::node* node = table_.get(key);
    if (!node) return fallback;
    if (!node->is_integer()) fail(key + " must be an integer", "for example " + key + " = 10");
    const int64_t value = **node->as_integer();
    if (value < minimum) fail(key + " must be at least " + std::to_string(minimum), "");
    return value;
  }

  bool boolean(const std::string& key, bool fallback) const {
    const toml::node* node = table_.get(key);
    if (!node) return fallback;
    if (!node->is_boolean()) fail(key + " must be true or false", "");
    return **node->as_boolean();
  }

  // A string or an array of strings.
  std::vector<std::string> strings(const std::string& key) const {
    const toml::node* node = table_.get(key);
    if (!node) return {};
    if (node->is_string()) return {**node->as_string()};
    std::vector<std::string> out;
    if (const toml::array* array = node->as_array())
      for (const toml::node& item : *array)
        if (item.is_string()) out.push_back(**item.as_string());
    if (out.empty() || out.size() != node->as_array()->size())
      fail(key + " must be a string or an array of strings", "for example " + key + " = \"text\"");
    return out;
  }

  std::vector<int64_t> integers(const std::string& key) const {
    const toml::node* node = table_.get(key);
    if (!node) return {};
    std::vector<int64_t> out;
    if (const toml::array* array = node->as_array())
      for (const toml::node& item : *array)
        if (item.is_integer() && **item.as_integer() >= 1) out.push_back(**item.as_integer());
    if (!node->as_array() || out.size() != node->as_array()->size() || out.empty())
      fail(key + " must be an array of positive integers", "for example " + key + " = [1, 5]");
    return out;
  }

  fs::path file(const std::string& spelled, const std::string& key) const {
    const fs::path path = path_resolve(spelled, base_, where_ + ": " + key);
    if (check_files_ && !fs::is_regular_file(path))
      fail(key + " = \"" + spelled + "\": no such file (" + path.string() + ")",
           "relative paths are relative to the registry's folder; fetch the data or fix the path");
    return path;
  }

  fs::path required_file(const std::string& key) const {
    return file(required_string(key, "name the task's " + key + " file"), key);
  }

  TableSource table(const std::string& file_key) const {
    TableSource source;
    const std::vector<std::string> spelled = strings(file_key);
    if (spelled.empty()) fail("needs " + file_key, "name the task's data file");
    for (const std::string& s : spelled) source.files.push_back(file(s, file_key));
    std::string extension = source.files[0].extension().string();
    if (extension == ".gz") extension = source.files[0].stem().extension().string();
    const std::string inferred = extension == ".jsonl" ? "jsonl"
                                 : extension == ".csv" ? "csv"
                                 : extension == ".tsv" ? "tsv"
                                                       : "lines";
    source.format = string("format", inferred);
    static const std::set<std::string> formats = {"jsonl", "csv", "tsv", "lines"};
    if (!formats.count(source.format))
      fail("format = \"" + source.format + "\" is not one of jsonl, csv, tsv, lines", "");
    if (source.files.size() > 1 && source.format != "lines")
      fail(file_key + " names " + std::to_string(source.files.size()) + " files",
           "several files side by side need format = \"lines\"");
    source.header = boolean("header", true);
    source.lines_per_row = integers("lines_per_row");
    if (source.lines_per_row.empty()) source.lines_per_row.assign(source.files.size(), 1);
    if (source.lines_per_row.size() != source.files.size())
      fail("lines_per_row has " + std::to_string(source.lines_per_row.size()) + " entries for " +
               std::to_string(source.files.size()) + " files",
           "give one count per file");
    source.split = string("line_split", "");
    const std::string invalid = string("invalid_utf8", "error");
    if (invalid != "error" && invalid != "replace")
      fail("invalid_utf8 = \"" + invalid + "\" is neither \"error\" nor \"replace\"", "");
    source.replace_invalid_utf8 = invalid == "replace";
    return source;
  }

  void column(TaskSpec& task, const std::string& role, bool required) const {
    std::vector<std::string> names = strings(role);
    if (names.empty() && required)
      fail("needs " + role + " (the column holding it)",
           "a JSON key, a header name, or a 1-based column number for files without a header");
    if (!names.empty()) task.columns[role] = std::move(names);
  }

  static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

 private:
  const toml::table& table_;
  std::string where_;
  fs::path base_;
  bool check_files_;
};

TaskSpec read_task(const std::string& name, const toml::table& table, const std::string& where,
                   const fs::path& base, bool check_files) {
  TaskReader reader(table, where, base, check_files);
  TaskSpec task;
  task.name = name;
  task.registry = where;
  const std::string type = reader.required_string(
      "type",
      "one of retrieval, reranking, sts, classification, pair_classification, "
      "clustering, safety");
  const TypeInfo* info = nullptr;
  std::vector<std::string> type_names;
  for (const TypeInfo& candidate : type_infos()) {
    type_names.push_back(candidate.name);
    if (type == candidate.name) info = &candidate;
  }
  if (!info)
    reader.fail("type = \"" + type + "\" is not a task type",
                "did you mean \"" + closest_name(type, type_names) + "\"?");
  task.type = info->type;
  reader.check_keys(*info);
  task.description = reader.string("description", "");
  task.split = reader.string("split", "test");
  task.instruction = reader.string("instruction", "");
  task.passage_instruction = reader.string("passage_instruction", "");
  std::vector<std::string> scores = info->scores;
  if (task.type == TaskType::safety) {  // one score per cut-off the task asks for
    task.k_values = reader.integers("k");
    if (task.k_values.empty()) task.k_values = {1, 5, 20};
    scores.clear();
    for (const int64_t k : task.k_values) scores.push_back("harmful_at_" + std::to_string(k));
    const bool has_5 = std::count(task.k_values.begin(), task.k_values.end(), 5) > 0;
    task.main_score = reader.string("main_score", has_5 ? "harmful_at_5" : scores[0]);
  } else {
    task.main_score = reader.string("main_score", scores[0]);
  }
  if (std::find(scores.begin(), scores.end(), task.main_score) == scores.end())
    reader.fail(
        "main_score = \"" + task.main_score + "\" is not a score of this " + info->name + " task",
        "one of: " + TaskReader::join(scores));

  switch (task.type) {
    case TaskType::retrieval:
      task.corpus = reader.required_file("corpus");
      task.queries = reader.required_file("queries");
      task.qrels = reader.required_file("qrels");
      task.ignore_identical_ids = reader.boolean("ignore_identical_ids", true);
      break;
    case TaskType::safety:
      task.corpus = reader.required_file("corpus");
      task.queries = reader.required_file("queries");
      break;
    case TaskType::reranking:
      task.data = reader.table("file");
      reader.column(task, "query", true);
      if (table.get("positive")) {
        reader.column(task, "positive", true);
        reader.column(task, "negative", true);
      } else {
        reader.column(task, "text", true);
        reader.column(task, "label", true);
        reader.column(task, "group", false);
      }
      task.positive_label = reader.string("positive_label", "1");
      break;
    case TaskType::sts:
      task.data = reader.table("file");
      reader.column(task, "text1", true);
      reader.column(task, "text2", true);
      reader.column(task, "score", true);
      break;
    case TaskType::pair_classification:
      task.data = reader.table("file");
      reader.column(task, "text1", true);
      reader.column(task, "text2", true);
      reader.column(task, "label", true);
      task.positive_label = reader.string("positive_label", "1");
      break;
    case TaskType::classification:
      task.train = reader.table("train_file");
      task.test = reader.table("test_file");
      reader.column(task, "text", true);
      reader.column(task, "label", true);
      task.label_delimiter = reader.string("label_delimiter", "");
      task.experiments = reader.integer("experiments", 10, 1);
      task.samples_per_label = reader.integer("samples_per_label", 8, 0);
      break;
    case TaskType::clustering:
      task.data = reader.table("file");
      reader.column(task, "text", true);
      reader.column(task, "label", true);
      task.label_delimiter = reader.string("label_delimiter", "");
      task.experiments = reader.integer("experiments", 10, 1);
      break;
  }
  return task;
}

}  // namespace

const char* task_type_name(TaskType type) { return info_of(type).name; }

std::vector<std::string> task_type_scores(TaskType type) { return info_of(type).scores; }

bool task_type_lower_is_better(TaskType type) { return type == TaskType::safety; }

std::vector<const TaskSpec*> TaskRegistry::select(const std::vector<std::string>& names) const {
  std::vector<const TaskSpec*> out;
  if (names.empty()) {
    for (const TaskSpec& task : tasks) out.push_back(&task);
    return out;
  }
  std::vector<std::string> known;
  for (const TaskSpec& task : tasks) known.push_back(task.name);
  for (const std::string& name : names) {
    const auto it = std::find_if(tasks.begin(), tasks.end(),
                                 [&](const TaskSpec& task) { return task.name == name; });
    if (it == tasks.end())
      throw ConfigError("unknown task \"" + name + "\": " + file.string() + " has no such task",
                        "did you mean \"" + closest_name(name, known) +
                            "\"? (a missing comma in a TOML list joins two names into one)");
    if (std::find(out.begin(), out.end(), &*it) != out.end())
      throw ConfigError("task \"" + name + "\" is named twice", "name each task once");
    out.push_back(&*it);
  }
  return out;
}

TaskRegistry task_registry_parse(const std::string& toml_text, const fs::path& source,
                                 bool check_files) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source.string());
  } catch (const toml::parse_error& e) {
    throw ConfigError(source.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                          std::string(e.description()),
                      "fix the TOML syntax of the task registry");
  }
  TaskRegistry registry;
  registry.file = source;
  const fs::path base = fs::absolute(source).parent_path();
  // toml++ keeps a table's keys sorted; tasks keep the order the file gives them.
  std::vector<std::pair<std::string, const toml::node*>> in_file_order;
  for (const auto& [key, node] : root) in_file_order.emplace_back(std::string(key.str()), &node);
  std::stable_sort(in_file_order.begin(), in_file_order.end(), [](const auto& a, const auto& b) {
    return a.second->source().begin.line < b.second->source().begin.line;
  });
  for (const auto& [name, node_pointer] : in_file_order) {
    const toml::node& node = *node_pointer;
    const std::string where = source.string() + ":" + std::to_string(node.source().begin.line) +
                              ": task \"" + name + "\"";
    const toml::table* table = node.as_table();
    if (!table)
      throw ConfigError(where + " is not a table",
                        "write each task as a table: [" + name + "] then its keys");
    registry.tasks.push_back(read_task(name, *table, where, base, check_files));
  }
  if (registry.tasks.empty())
    throw ConfigError(source.string() + ": no tasks", "a registry has one [name] table per task");
  return registry;
}

TaskRegistry task_registry_load(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw ConfigError(file.string() + ": cannot read the task registry",
                      "check eval.registry or --tasks");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return task_registry_parse(text, file, true);
}

}  // namespace genvec
