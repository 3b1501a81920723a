#include "eval/tasks/task_data.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <unordered_map>

#include "common/errors.h"
#include "data/text_records.h"
#include "eval/tasks/task_table.h"

namespace genvec {
namespace {

// Distinct strings (texts, or label names) numbered in first-seen order.
class Interned {
 public:
  explicit Interned(std::vector<std::string>& values) : values_(values) {}
  int64_t add(const std::string& value) {
    const auto [it, inserted] = index_.try_emplace(value, static_cast<int64_t>(values_.size()));
    if (inserted) values_.push_back(value);
    return it->second;
  }

 private:
  std::vector<std::string>& values_;
  std::unordered_map<std::string, int64_t> index_;
};

[[noreturn]] void row_fail(const std::string& what, const TableRow& row,
                           const std::string& reason) {
  throw IoError(what + ": " + row.file() + ":" + std::to_string(row.line()) + ": " + reason,
                "fix the row or the task's column names in the registry");
}

std::string nonempty_text(const std::string& what, const TableRow& row,
                          const std::vector<std::string>& columns) {
  std::string text = row.joined(columns);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    row_fail(what, row, "empty text in column " + columns[0]);
  return text;
}

double number(const std::string& what, const TableRow& row, const std::string& column) {
  const std::string text = row.text(column);
  double value = 0;
  const char* begin = text.data();
  while (begin < text.data() + text.size() && *begin == ' ') ++begin;
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    row_fail(what, row, "\"" + text + "\" in column " + column + " is not a number");
  return value;
}

std::string label_of(const TaskSpec& spec, const std::string& what, const TableRow& row) {
  std::string label = row.text(spec.columns.at("label")[0]);
  if (!spec.label_delimiter.empty()) label = label.substr(0, label.find(spec.label_delimiter));
  if (label.empty()) row_fail(what, row, "empty label");
  return label;
}

void load_pairs(const TaskSpec& spec, TaskData& data, bool scored) {
  const std::string what = "task " + spec.name;
  Interned texts(data.queries);
  data.replaced_utf8 += table_read(spec.data, what, [&](const TableRow& row) {
    const int64_t a = texts.add(nonempty_text(what, row, spec.columns.at("text1")));
    const int64_t b = texts.add(nonempty_text(what, row, spec.columns.at("text2")));
    data.pairs.emplace_back(a, b);
    if (scored) {
      data.gold.push_back(number(what, row, spec.columns.at("score")[0]));
    } else {
      data.gold.push_back(row.text(spec.columns.at("label")[0]) == spec.positive_label ? 1.0 : 0.0);
    }
  });
  if (data.pairs.size() < 2) throw IoError(what + ": fewer than 2 pairs", "check the data file");
}

void load_labelled(const TaskSpec& spec, const TableSource& source, const std::string& role,
                   TaskData& data, Interned& texts, Interned& labels, std::vector<int64_t>& rows,
                   std::vector<int64_t>& row_labels) {
  const std::string what = "task " + spec.name + " (" + role + ")";
  data.replaced_utf8 += table_read(source, what, [&](const TableRow& row) {
    rows.push_back(texts.add(nonempty_text(what, row, spec.columns.at("text"))));
    row_labels.push_back(labels.add(label_of(spec, what, row)));
  });
  if (rows.empty()) throw IoError(what + ": no rows", "check the data file");
}

// BEIR corpus / queries: {"_id", "title"?, "text"}; passages join title and text with a space,
// as MTEB does.
void load_beir_texts(const TaskSpec& spec, const std::filesystem::path& file, bool corpus,
                     TaskData& data) {
  const std::string what = "task " + spec.name;
  TableSource source{{file}, "jsonl", true, {1}, ""};
  std::map<std::string, int64_t> seen;
  int64_t empty_documents = 0;
  table_read(source, what, [&](const TableRow& row) {
    const std::string id = row.text("_id");
    if (!seen.emplace(id, row.line()).second)
      row_fail(what, row, "id \"" + id + "\" repeats line " + std::to_string(seen[id]));
    std::vector<std::string> columns = {"text"};
    if (corpus) {
      try {
        (void)row.text("title");
        columns = {"title", "text"};
      } catch (const IoError&) {
      }
    }
    // An empty document stays in the corpus, embedded as the empty text, as BEIR and MTEB do
    // (Cranfield has two); an empty query is an error.
    std::string text = corpus ? row.joined(columns) : nonempty_text(what, row, columns);
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) ++empty_documents;
    (corpus ? data.passages : data.queries).push_back(std::move(text));
    (corpus ? data.passage_ids : data.query_ids).push_back(id);
    if (corpus && spec.type == TaskType::safety) {
      const std::string harmful = row.text("harmful");
      if (harmful != "true" && harmful != "false")
        row_fail(what, row, "\"harmful\" must be true or false");
      data.harmful.push_back(harmful == "true");
    }
  });
  if (!corpus && data.queries.empty())
    throw IoError(what + ": " + file.string() + " has no queries", "");
  if (corpus && data.passages.empty())
    throw IoError(what + ": " + file.string() + " has no documents", "");
  if (empty_documents > 0)
    data.notes.push_back(std::to_string(empty_documents) +
                         " empty documents kept and embedded as the empty text, as MTEB does");
}

void load_qrels(const TaskSpec& spec, TaskData& data) {
  const std::string what = "task " + spec.name + " qrels";
  const std::string file = spec.qrels.string();
  FileLines lines(spec.qrels);
  std::string line;
  std::vector<std::string> fields;
  int64_t used = 0;
  std::map<std::string, bool> known_queries, known_docs;
  for (const auto& id : data.query_ids) known_queries[id] = true;
  for (const auto& id : data.passage_ids) known_docs[id] = true;
  for (int64_t number = 1; lines.lines().next(line); ++number) {
    split_record(lines.lines(), line, '\t', false, fields, used);
    if (number == 1 && fields.size() == 3 && fields[2] == "score") continue;  // the header
    auto fail = [&](const std::string& reason) {
      throw IoError(what + ": " + file + ":" + std::to_string(number) + ": " + reason,
                    "qrels rows are: query-id <tab> corpus-id <tab> integer score");
    };
    if (fields.size() != 3) fail(std::to_string(fields.size()) + " fields, 3 expected");
    int64_t score = 0;
    const auto [end, ec] =
        std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), score);
    if (ec != std::errc() || end != fields[2].data() + fields[2].size())
      fail("score \"" + fields[2] + "\" is not an integer");
    if (!known_queries.count(fields[0]))
      fail("query \"" + fields[0] + "\" is not in " + spec.queries.string());
    if (!known_docs.count(fields[1]))
      fail("document \"" + fields[1] + "\" is not in " + spec.corpus.string());
    data.qrels[fields[0]][fields[1]] = score;
  }
  if (data.qrels.empty()) throw IoError(what + ": " + file + " has no judgements", "");
}

void load_reranking(const TaskSpec& spec, TaskData& data) {
  const std::string what = "task " + spec.name;
  Interned queries(data.queries), passages(data.passages);
  int64_t skipped = 0;
  auto add_sample = [&](RerankingSample sample) {
    const bool any_positive = std::count(sample.relevant.begin(), sample.relevant.end(), true) > 0;
    const bool any_negative = std::count(sample.relevant.begin(), sample.relevant.end(), false) > 0;
    if (any_positive && any_negative) {
      data.samples.push_back(std::move(sample));
    } else {
      ++skipped;
    }
  };
  if (spec.columns.count("positive")) {
    data.replaced_utf8 += table_read(spec.data, what, [&](const TableRow& row) {
      RerankingSample sample;
      sample.query = queries.add(nonempty_text(what, row, spec.columns.at("query")));
      for (const char* role : {"positive", "negative"})
        for (const std::string& text : row.list(spec.columns.at(role)[0])) {
          if (text.find_first_not_of(" \t\r\n") == std::string::npos)
            row_fail(what, row, std::string("an empty ") + role + " passage");
          sample.candidates.push_back(passages.add(text));
          sample.relevant.push_back(std::string(role) == "positive");
        }
      add_sample(std::move(sample));
    });
  } else {
    // One candidate a row, grouped by the group column (or by the query text), in file order.
    std::map<std::string, size_t> group_index;
    std::vector<RerankingSample> groups;
    const std::vector<std::string>& group_columns =
        spec.columns.count("group") ? spec.columns.at("group") : spec.columns.at("query");
    data.replaced_utf8 += table_read(spec.data, what, [&](const TableRow& row) {
      const std::string key = row.joined(group_columns);
      auto [it, inserted] = group_index.try_emplace(key, groups.size());
      if (inserted) {
        groups.emplace_back();
        groups.back().query = queries.add(nonempty_text(what, row, spec.columns.at("query")));
      }
      RerankingSample& sample = groups[it->second];
      sample.candidates.push_back(passages.add(nonempty_text(what, row, spec.columns.at("text"))));
      sample.relevant.push_back(row.text(spec.columns.at("label")[0]) == spec.positive_label);
    });
    for (RerankingSample& sample : groups) add_sample(std::move(sample));
  }
  if (skipped > 0)
    data.notes.push_back(std::to_string(skipped) +
                         " samples without a positive or without a negative skipped, as MTEB's "
                         "reranking evaluator does");
  if (data.samples.empty())
    throw IoError(what + ": no sample has both a positive and a negative passage",
                  "check the data");
}

}  // namespace

TaskData task_data_load(const TaskSpec& spec) {
  TaskData data;
  data.spec = &spec;
  const std::string what = "task " + spec.name;
  switch (spec.type) {
    case TaskType::sts:
      load_pairs(spec, data, true);
      break;
    case TaskType::pair_classification:
      load_pairs(spec, data, false);
      if (std::count(data.gold.begin(), data.gold.end(), 1.0) == 0)
        throw IoError(what + ": no pair has label \"" + spec.positive_label + "\"",
                      "set positive_label to the label of matching pairs");
      break;
    case TaskType::classification: {
      Interned texts(data.queries);
      Interned labels(data.label_names);
      load_labelled(spec, spec.train, "train", data, texts, labels, data.train_rows,
                    data.train_labels);
      const size_t train_classes = data.label_names.size();
      load_labelled(spec, spec.test, "test", data, texts, labels, data.test_rows, data.test_labels);
      if (data.label_names.size() > train_classes)
        data.notes.push_back(std::to_string(data.label_names.size() - train_classes) +
                             " test labels never occur in train (always misclassified)");
      break;
    }
    case TaskType::clustering: {
      Interned texts(data.queries);
      Interned labels(data.label_names);
      load_labelled(spec, spec.data, "data", data, texts, labels, data.test_rows, data.test_labels);
      break;
    }
    case TaskType::retrieval:
      load_beir_texts(spec, spec.corpus, true, data);
      load_beir_texts(spec, spec.queries, false, data);
      load_qrels(spec, data);
      break;
    case TaskType::safety:
      load_beir_texts(spec, spec.corpus, true, data);
      load_beir_texts(spec, spec.queries, false, data);
      if (std::count(data.harmful.begin(), data.harmful.end(), true) == 0)
        throw IoError(what + ": no corpus document is marked \"harmful\": true",
                      "check the corpus");
      break;
    case TaskType::reranking:
      load_reranking(spec, data);
      break;
  }
  if (data.replaced_utf8 > 0)
    data.notes.push_back(std::to_string(data.replaced_utf8) +
                         " texts held invalid UTF-8, read with U+FFFD (invalid_utf8 = \"replace\")");
  return data;
}

}  // namespace genvec
