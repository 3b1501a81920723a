#include "eval/results.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "common/atomic_file.h"
#include "common/errors.h"
#include "common/file_identity.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/version.h"
#include "eval/tasks/task_registry.h"

namespace genvec {

void task_result_write(const std::filesystem::path& file, const TaskResult& r) {
  std::ostringstream out;
  out << "{\n  \"dataset_revision\": null,\n  \"evaluation_time\": "
      << json_number(r.evaluation_time_s)
      << ",\n  \"kg_co2_emissions\": null,\n  \"mteb_version\": null,\n  \"scores\": {\n    "
      << json_quote(r.split) << ": [\n      {\n        \"hf_subset\": \"default\",\n"
      << "        \"languages\": [\"eng-Latn\"],\n        \"main_score\": "
      << json_number(r.main_score);
  for (const auto& [name, value] : r.scores)
    out << ",\n        " << json_quote(name) << ": " << json_number(value);
  out << "\n      }\n    ]\n  },\n  \"task_name\": " << json_quote(r.task_name)
      << ",\n  \"genvec\": {\n"
      << "    \"version\": "
      << json_quote(std::string(genvec_version()) + " (" + genvec_git_revision() + ")")
      << ",\n    \"task_type\": " << json_quote(r.task_type)
      << ",\n    \"main_score_name\": " << json_quote(r.main_score_name)
      << ",\n    \"model\": " << json_quote(r.model)
      << ",\n    \"model_identity\": " << json_quote(r.model_identity)
      << ",\n    \"task_identity\": " << json_quote(r.task_identity)
      << ",\n    \"checkpoint\": " << json_quote(r.checkpoint) << ",\n    \"notes\": [";
  for (size_t i = 0; i < r.notes.size(); ++i) out << (i ? ", " : "") << json_quote(r.notes[i]);
  out << "]\n  }\n}\n";
  std::filesystem::create_directories(file.parent_path());
  write_file_atomic(file, out.str());
}

std::optional<TaskResult> task_result_read(const std::filesystem::path& file) {
  if (!std::filesystem::exists(file)) return std::nullopt;
  // Anything missing or of another shape (an edited file, one written by MTEB itself): the task
  // is evaluated again rather than trusted.
  auto member = [](const Json& object, const char* key) -> const Json& {
    const Json* value = object.find(key);
    if (!value) throw IoError(std::string("no ") + key);
    return *value;
  };
  try {
    const Json root = json_parse_file(file);
    TaskResult r;
    r.task_name = member(root, "task_name").as_string("task_name");
    r.evaluation_time_s = member(root, "evaluation_time").as_number("evaluation_time");
    const Json::Object& splits = member(root, "scores").as_object("scores");
    if (splits.size() != 1 || splits[0].second.as_array("scores").empty()) return std::nullopt;
    r.split = splits[0].first;
    const Json& entry = splits[0].second.as_array("scores")[0];
    for (const auto& [name, value] : entry.as_object("scores entry")) {
      if (name == "main_score")
        r.main_score = value.as_number(name);
      else if (value.is_number())
        r.scores[name] = value.as_number(name);
    }
    const Json& g = member(root, "genvec");
    r.task_type = member(g, "task_type").as_string("task_type");
    r.main_score_name = member(g, "main_score_name").as_string("main_score_name");
    r.model = member(g, "model").as_string("model");
    r.model_identity = member(g, "model_identity").as_string("model_identity");
    r.task_identity = member(g, "task_identity").as_string("task_identity");
    r.checkpoint = member(g, "checkpoint").as_string("checkpoint");
    for (const Json& note : member(g, "notes").as_array("notes"))
      r.notes.push_back(note.as_string("note"));
    return r;
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::string task_identity(const TaskSpec& spec, uint64_t seed) {
  StableHash h;
  h.add_field(spec.name).add_field(task_type_name(spec.type)).add_field(spec.split);
  h.add_field(spec.instruction).add_field(spec.passage_instruction).add_field(spec.main_score);
  for (const auto& [role, columns] : spec.columns) {
    h.add_field(role);
    for (const std::string& c : columns) h.add_field(c);
  }
  h.add_field(spec.label_delimiter).add_field(spec.positive_label);
  h.add_field(std::to_string(spec.experiments)).add_field(std::to_string(spec.samples_per_label));
  h.add_field(spec.ignore_identical_ids ? "ignore ids" : "keep ids");
  for (const int64_t k : spec.k_values) h.add_field(std::to_string(k));
  std::vector<std::filesystem::path> files = {spec.corpus, spec.queries, spec.qrels};
  for (const TableSource* source : {&spec.data, &spec.train, &spec.test}) {
    files.insert(files.end(), source->files.begin(), source->files.end());
    h.add_field(source->format)
        .add_field(source->header ? "header" : "no header")
        .add_field(source->split);
    for (const int64_t n : source->lines_per_row) h.add_field(std::to_string(n));
  }
  for (const auto& file : files) h.add_field(file.empty() ? "" : file_identity(file));
  h.add_field(std::to_string(seed));
  return h.hex();
}

namespace {

std::string cell(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value * 100);
  return text;
}

}  // namespace

std::string results_summary(const std::vector<std::string>& models,
                            const std::vector<std::vector<TaskResult>>& results_per_model) {
  // Tasks in first-seen order, with their type.
  std::vector<std::pair<std::string, std::string>> tasks;
  for (const auto& results : results_per_model)
    for (const TaskResult& r : results) {
      bool seen = false;
      for (const auto& t : tasks) seen |= t.first == r.task_name;
      if (!seen) tasks.emplace_back(r.task_name, r.task_type);
    }
  auto find = [&](size_t m, const std::string& task) -> const TaskResult* {
    for (const TaskResult& r : results_per_model[m])
      if (r.task_name == task) return &r;
    return nullptr;
  };
  std::ostringstream out;
  out << "| task | type | main score |";
  for (const std::string& m : models) out << " " << m << " |";
  out << "\n|---|---|---|";
  for (size_t m = 0; m < models.size(); ++m) out << "---:|";
  out << "\n";
  for (const auto& [task, type] : tasks) {
    std::string main_name;
    for (size_t m = 0; m < models.size(); ++m)
      if (const TaskResult* r = find(m, task)) main_name = r->main_score_name;
    out << "| " << task << " | " << type << " | " << main_name
        << (type == "safety" ? " (lower is safer)" : "") << " |";
    for (size_t m = 0; m < models.size(); ++m) {
      const TaskResult* r = find(m, task);
      out << " " << (r ? cell(r->main_score) : "-") << " |";
    }
    out << "\n";
  }
  // Averages over the tasks every model has, so the columns compare like with like.
  auto average_row = [&](const std::string& label, const std::string& only_type) {
    std::vector<double> sum(models.size(), 0.0);
    int64_t count = 0;
    for (const auto& [task, type] : tasks) {
      if (type == "safety" || (!only_type.empty() && type != only_type)) continue;
      bool everyone = true;
      for (size_t m = 0; m < models.size(); ++m) everyone &= find(m, task) != nullptr;
      if (!everyone) continue;
      for (size_t m = 0; m < models.size(); ++m) sum[m] += find(m, task)->main_score;
      ++count;
    }
    if (count == 0) return;
    out << "| **" << label << "** | " << (only_type.empty() ? "all" : only_type) << " | " << count
        << (count == 1 ? " task" : " tasks") << " |";
    for (size_t m = 0; m < models.size(); ++m)
      out << " " << cell(sum[m] / static_cast<double>(count)) << " |";
    out << "\n";
  };
  average_row("average", "");
  std::vector<std::string> types;
  for (const auto& [task, type] : tasks)
    if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
  for (const std::string& type : types) average_row("average " + type, type);
  return out.str();
}

}  // namespace genvec
