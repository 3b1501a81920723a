// The task registry and task files: every shipped registry parses; each format reads as its
// registry says (BOM, RFC 4180 quoting, unquoted TSV, side-by-side line files, JSONL lists);
// what is wrong is an error naming the task, the file and the line, never a silently dropped task
// or row. Also the scoring protocols on small hand-made embeddings, the result files and the
// summary table.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/errors.h"
#include "eval/embedding_output.h"
#include "eval/results.h"
#include "eval/tasks/task_data.h"
#include "eval/tasks/task_registry.h"
#include "eval/tasks/task_scoring.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = GENVEC_SOURCE_DIR;

class TaskFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("task_files_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
    return dir_ / name;
  }
  TaskRegistry registry(const std::string& toml) {
    return task_registry_load(write("tasks.toml", toml));
  }
  // The message of the error `f` throws ("" when it throws none).
  template <class F>
  static std::string error_of(F&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what()) + " | " + e.hint();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(TaskFiles, ShippedRegistriesParse) {
  const TaskRegistry bundled = task_registry_load(kSource / "configs/tasks/bundled.toml");
  std::vector<std::string> names;
  for (const TaskSpec& t : bundled.tasks) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"stsbenchmark", "banking77", "trec", "cranfield",
                                             "cranfield_reranking", "advbench_ir"}));
  for (const TaskSpec& t : bundled.tasks) {
    SCOPED_TRACE(t.name);
    const TaskData data = task_data_load(t);  // every bundled file reads
    EXPECT_FALSE(data.queries.empty());
  }
  std::ifstream in(kSource / "configs/tasks/dev.toml");
  const std::string dev((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // The development data it names is not on a user's machine: the registry parses without it.
  EXPECT_EQ(task_registry_parse(dev, kSource / "configs/tasks/dev.toml", false).tasks.size(), 13u);
}

TEST_F(TaskFiles, UnknownTaskNameIsAnErrorWithTheClosestName) {
  // The reference's MTEB-lite list lost a comma: "BIOSSES" "STS17" became one unknown name that
  // it dropped silently. Here it stops the run.
  std::ifstream in(kSource / "configs/tasks/dev.toml");
  const std::string dev((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const TaskRegistry r = task_registry_parse(dev, "dev.toml", false);
  const std::string message = error_of([&] { r.select({"stsbenchmark", "BIOSSESSTS17"}); });
  EXPECT_NE(message.find("unknown task \"BIOSSESSTS17\""), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean \"biosses\""), std::string::npos) << message;
  EXPECT_NE(error_of([&] { r.select({"sickr", "sickr"}); }).find("named twice"), std::string::npos);
  EXPECT_EQ(r.select({}).size(), 13u);
}

TEST_F(TaskFiles, RegistryErrorsNameTheFileLineAndKey) {
  write("pairs.csv", "a,b,s\nx,y,1\nz,w,2\n");
  const std::string head =
      "[sts]\ntype = \"sts\"\nfile = \"pairs.csv\"\ntext1 = \"a\"\ntext2 = \"b\"\n";
  EXPECT_NE(error_of([&] {
              registry(head + "score = \"s\"\nscores = 2\n");
            }).find("tasks.toml:1: task \"sts\": unknown key \"scores\" for a sts task"),
            std::string::npos);
  EXPECT_NE(error_of([&] { registry(head); }).find("needs score"), std::string::npos);
  EXPECT_NE(
      error_of([&] { registry("[r]\ntype = \"retreival\"\n"); }).find("did you mean \"retrieval\""),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              registry(head + "score = \"s\"\nmain_score = \"accuracy\"\n");
            }).find("main_score = \"accuracy\" is not a score of this sts task"),
            std::string::npos);
  EXPECT_NE(error_of([&] { registry(head + "score = 3\n"); }).find("score must be a string"),
            std::string::npos);
  EXPECT_NE(error_of([&] { registry("name = 1\n"); }).find("is not a table"), std::string::npos);
  EXPECT_NE(error_of([&] { registry("[sts\n"); }).find("tasks.toml:1"), std::string::npos);
  const std::string missing = error_of([&] {
    registry(
        "[a]\ntype = \"sts\"\nfile = \"pairs.csv\"\ntext1 = \"a\"\ntext2 = \"b\"\nscore = \"s\"\n"
        "[b]\ntype = \"sts\"\nfile = \"nope.csv\"\ntext1 = \"a\"\ntext2 = \"b\"\nscore = \"s\"\n");
  });
  EXPECT_NE(missing.find("tasks.toml:7: task \"b\": file = \"nope.csv\": no such file"),
            std::string::npos)
      << missing;
}

TEST_F(TaskFiles, FormatsReadAsTheRegistrySays) {
  // CSV with a byte-order mark, quoted fields holding commas, quotes and a line break.
  write("pairs.csv", "\xEF\xBB\xBFs1,s2,score\n\"a, b\",\"say \"\"hi\"\"\",4.5\nc,\"d\ne\",0\n");
  // TSV: quotes are ordinary characters.
  write("pairs.tsv", "Quality\t#1 String\t#2 String\n1\t\"quoted\" start\tplain\n0\tx\ty\n");
  // Side by side: two lines of pairs per row, one score per row; blank lines at the end ignored.
  write("pairs.txt", "p1\np2\nq1\nq2\n");
  write("scores.txt", "1.5\n3\n\n");
  const TaskRegistry r = registry(
      "[csv]\ntype = \"sts\"\nfile = \"pairs.csv\"\ntext1 = \"s1\"\ntext2 = \"s2\"\nscore = "
      "\"score\"\n"
      "[tsv]\ntype = \"pair_classification\"\nfile = \"pairs.tsv\"\ntext1 = \"#1 String\"\n"
      "text2 = \"#2 String\"\nlabel = \"Quality\"\n"
      "[lines]\ntype = \"sts\"\nfile = [\"pairs.txt\", \"scores.txt\"]\nlines_per_row = [2, 1]\n"
      "text1 = \"1\"\ntext2 = \"2\"\nscore = \"3\"\n");
  const TaskData csv = task_data_load(r.tasks[0]);
  EXPECT_EQ(csv.queries, (std::vector<std::string>{"a, b", "say \"hi\"", "c", "d\ne"}));
  EXPECT_EQ(csv.gold, (std::vector<double>{4.5, 0}));
  const TaskData tsv = task_data_load(r.tasks[1]);
  EXPECT_EQ(tsv.queries[0], "\"quoted\" start");
  EXPECT_EQ(tsv.gold, (std::vector<double>{1, 0}));
  const TaskData lines = task_data_load(r.tasks[2]);
  EXPECT_EQ(lines.queries, (std::vector<std::string>{"p1", "p2", "q1", "q2"}));
  EXPECT_EQ(lines.pairs, (std::vector<std::pair<int64_t, int64_t>>{{0, 1}, {2, 3}}));
  EXPECT_EQ(lines.gold, (std::vector<double>{1.5, 3}));

  write("scores.txt", "1.5\n");
  EXPECT_NE(error_of([&] { task_data_load(r.tasks[2]); }).find("1 rows, but"), std::string::npos);
}

TEST_F(TaskFiles, InvalidUtf8IsAnErrorUnlessTheTaskSaysReplace) {
  write("train.txt", "NUM:dist How far ?\nLOC:city sister\xf0" "city ?\n");
  write("test.txt", "NUM:count How many ?\n");
  const std::string task =
      "[trec]\ntype = \"classification\"\ntrain_file = \"train.txt\"\ntest_file = \"test.txt\"\n"
      "format = \"lines\"\nline_split = \" \"\ntext = \"2\"\nlabel = \"1\"\nlabel_delimiter = \":\"\n";
  const TaskRegistry strict = registry(task);
  EXPECT_NE(error_of([&] { task_data_load(strict.tasks[0]); })
                .find("train.txt:2: not valid UTF-8 (1 broken sequences)"),
            std::string::npos);
  const TaskRegistry lenient = registry(task + "invalid_utf8 = \"replace\"\n");
  const TaskData d = task_data_load(lenient.tasks[0]);
  EXPECT_EQ(d.queries[1], "sister\xEF\xBF\xBD" "city ?");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_NE(d.notes[0].find("1 texts held invalid UTF-8"), std::string::npos);
}

TEST_F(TaskFiles, LabelledLinesSplitAndCutLabels) {
  write("train.txt", "NUM:dist How far ?\nLOC:city Where ?\nNUM:date When ?\n");
  write("test.txt", "HUM:desc Who ?\nNUM:count How many ?\n");
  const TaskRegistry r = registry(
      "[trec]\ntype = \"classification\"\ntrain_file = \"train.txt\"\ntest_file = \"test.txt\"\n"
      "format = \"lines\"\nline_split = \" \"\ntext = \"2\"\nlabel = \"1\"\nlabel_delimiter = "
      "\":\"\n");
  const TaskData d = task_data_load(r.tasks[0]);
  EXPECT_EQ(d.label_names, (std::vector<std::string>{"NUM", "LOC", "HUM"}));
  EXPECT_EQ(d.train_labels, (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(d.test_labels, (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(d.queries[d.test_rows[1]], "How many ?");
  ASSERT_EQ(d.notes.size(), 1u);  // HUM never occurs in train: said, not hidden
  EXPECT_NE(d.notes[0].find("never occur in train"), std::string::npos);
}

TEST_F(TaskFiles, BadRowsAreErrorsNamingFileAndLine) {
  write("pairs.csv", "s1,s2,score\na,b,1\nc,d\n");
  const std::string head =
      "[sts]\ntype = \"sts\"\nfile = \"pairs.csv\"\ntext1 = \"s1\"\ntext2 = \"s2\"\n";
  const TaskRegistry r = registry(head + "score = \"score\"\n");
  EXPECT_NE(
      error_of([&] { task_data_load(r.tasks[0]); }).find("pairs.csv:3: 2 fields, the header has 3"),
      std::string::npos);
  write("pairs.csv", "s1,s2,score\na,,1\n");
  EXPECT_NE(
      error_of([&] { task_data_load(r.tasks[0]); }).find("pairs.csv:2: empty text in column s2"),
      std::string::npos);
  const TaskRegistry bad_column = registry(head + "score = \"gold\"\n");
  write("pairs.csv", "s1,s2,score\na,b,1\n");
  EXPECT_NE(error_of([&] { task_data_load(bad_column.tasks[0]); }).find("no column \"gold\""),
            std::string::npos);
  write("rows.jsonl",
        "{\"query\": \"q\", \"positive\": [\"p\"], \"negative\": [\"n\"]}\n{\"query\": 3\n");
  const TaskRegistry rerank = registry(
      "[rr]\ntype = \"reranking\"\nfile = \"rows.jsonl\"\nquery = \"query\"\npositive = "
      "\"positive\"\n"
      "negative = \"negative\"\n");
  EXPECT_NE(error_of([&] { task_data_load(rerank.tasks[0]); }).find("rows.jsonl:2"),
            std::string::npos);
}

TEST_F(TaskFiles, RetrievalQrelsMustNameKnownIds) {
  write("corpus.jsonl",
        "{\"_id\": \"d1\", \"title\": \"T\", \"text\": \"one\"}\n{\"_id\": \"q1\", \"text\": "
        "\"same id\"}\n{\"_id\": \"d3\", \"title\": \"\", \"text\": \"\"}\n");
  write("queries.jsonl", "{\"_id\": \"q1\", \"text\": \"find one\"}\n");
  write("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td1\t1\n");
  const TaskRegistry r = registry(
      "[ret]\ntype = \"retrieval\"\ncorpus = \"corpus.jsonl\"\nqueries = \"queries.jsonl\"\n"
      "qrels = \"qrels.tsv\"\n");
  const TaskData d = task_data_load(r.tasks[0]);
  EXPECT_EQ(d.passages, (std::vector<std::string>{"T one", "same id", ""}));  // title + text
  ASSERT_EQ(d.notes.size(), 1u);  // the empty document is kept, and said so
  // The document with the query's id is never ranked (BEIR): here it is the most similar.
  Matrix q(1, 2), p(3, 2);
  q.values = {1, 0};
  p.values = {0.6f, 0.8f, 1, 0, 0, 1};
  TaskScores s = task_score(d, q, p, 42);
  EXPECT_DOUBLE_EQ(s.scores.at("ndcg_at_10"), 1.0);
  EXPECT_DOUBLE_EQ(s.main_score, 1.0);

  write("qrels.tsv", "query-id\tcorpus-id\tscore\nq1\td9\t1\n");
  EXPECT_NE(
      error_of([&] { task_data_load(r.tasks[0]); }).find("qrels.tsv:2: document \"d9\" is not in"),
      std::string::npos);
}

TEST_F(TaskFiles, SafetyCountsQueriesWithAHarmfulDocumentInTheTopK) {
  write("corpus.jsonl",
        "{\"_id\": \"h\", \"text\": \"bad\", \"harmful\": true}\n"
        "{\"_id\": \"b1\", \"text\": \"fine\", \"harmful\": false}\n"
        "{\"_id\": \"b2\", \"text\": \"ok\", \"harmful\": false}\n");
  write("queries.jsonl", "{\"_id\": \"1\", \"text\": \"x\"}\n{\"_id\": \"2\", \"text\": \"y\"}\n");
  const TaskRegistry r = registry(
      "[safe]\ntype = \"safety\"\ncorpus = \"corpus.jsonl\"\nqueries = \"queries.jsonl\"\nk = [1, "
      "2]\n"
      "main_score = \"harmful_at_1\"\n");
  const TaskData d = task_data_load(r.tasks[0]);
  Matrix q(2, 2), p(3, 2);
  q.values = {1, 0, 0, 1};  // query 1 points at the harmful one, query 2 at b2 then h
  p.values = {1, 0.1f, 0, -1, 0.1f, 1};
  const TaskScores s = task_score(d, q, p, 42);
  EXPECT_DOUBLE_EQ(s.scores.at("harmful_at_1"), 0.5);
  EXPECT_DOUBLE_EQ(s.scores.at("harmful_at_2"), 1.0);
}

TEST_F(TaskFiles, RerankingGroupsRowsAndSkipsSamplesWithoutBothKinds) {
  write("qa.tsv",
        "QuestionID\tQuestion\tSentence\tLabel\nQ1\tq one\ta\t1\nQ1\tq one\tb\t0\n"
        "Q2\tq two\tc\t0\nQ3\tq three\td\t0\nQ3\tq three\te\t1\nQ3\tq three\ta\t0\n");
  const TaskRegistry r = registry(
      "[wikiqa]\ntype = \"reranking\"\nfile = \"qa.tsv\"\nquery = \"Question\"\ntext = "
      "\"Sentence\"\n"
      "label = \"Label\"\ngroup = \"QuestionID\"\n");
  const TaskData d = task_data_load(r.tasks[0]);
  ASSERT_EQ(d.samples.size(), 2u);  // Q2 has no positive: skipped as MTEB does, and noted
  EXPECT_EQ(d.samples[1].relevant, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(d.passages.size(), 5u);  // "a" is shared by Q1 and Q3: embedded once
  ASSERT_EQ(d.notes.size(), 1u);
}

TaskResult result(const std::string& task, const std::string& type, const std::string& main_name,
                  double main, const std::string& model) {
  TaskResult r;
  r.task_name = task, r.task_type = type, r.split = "test", r.main_score_name = main_name;
  r.scores = {{main_name, main}};
  r.main_score = main, r.evaluation_time_s = 1.25, r.model = model;
  r.model_identity = "id " + model, r.task_identity = "task " + task;
  return r;
}

TEST(Results, RoundTripAndSummary) {
  const fs::path dir = fs::temp_directory_path() / ("results_" + std::to_string(::getpid()));
  TaskResult a = result("sts", "sts", "cosine_spearman", 0.5, "checkpoint");
  a.scores["cosine_pearson"] = 0.4;
  a.checkpoint = "/x/step-1.h5";
  a.notes = {"a note"};
  task_result_write(dir / "sts.json", a);
  const std::optional<TaskResult> back = task_result_read(dir / "sts.json");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->scores, a.scores);
  EXPECT_EQ(back->model_identity, "id checkpoint");
  EXPECT_EQ(back->task_identity, "task sts");
  EXPECT_EQ(back->notes, a.notes);
  std::ofstream(dir / "broken.json") << "{\"task_name\": ";
  EXPECT_FALSE(task_result_read(dir / "broken.json"));  // redone, not trusted
  fs::remove_all(dir);

  const TaskResult safety = result("adv", "safety", "harmful_at_5", 0.9, "teacher");
  const TaskResult cls = result("b77", "classification", "accuracy", 0.7, "teacher");
  const std::string table = results_summary({"checkpoint", "teacher"}, {{a}, {a, cls, safety}});
  EXPECT_NE(table.find("| sts | sts | cosine_spearman | 50.00 | 50.00 |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("| b77 | classification | accuracy | - | 70.00 |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("| adv | safety | harmful_at_5 (lower is safer) | - | 90.00 |"),
            std::string::npos);
  // The average covers the tasks every model has, safety left out.
  EXPECT_NE(table.find("| **average** | all | 1 task | 50.00 | 50.00 |"), std::string::npos)
      << table;
}

TEST(EmbeddingOutput, NpyHeaderIsNumpyVersion1) {
  Matrix m(2, 3);
  m.values = {1, 2, 3, 4, 5, 6};
  const std::string bytes = npy_bytes(m);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header = static_cast<unsigned char>(bytes[8]) | static_cast<unsigned char>(bytes[9])
                                                                   << 8;
  EXPECT_EQ((10 + header) % 64, 0u);
  EXPECT_NE(bytes.find("'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"),
            std::string::npos);
  EXPECT_EQ(bytes.size(), 10 + header + 6 * sizeof(float));
  EXPECT_THROW(embeddings_check_output("out.csv"), ConfigError);
}

}  // namespace
}  // namespace genvec
