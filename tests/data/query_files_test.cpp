// Query files: every format's good rows with their line numbers, every kind of bad row rejected
// with its line and reason (never thrown, never dropped), gzip, globs, normalization.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "common/errors.h"
#include "data/query_files.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

struct Rows {
  std::vector<QueryRow> good;
  std::vector<RejectedRow> bad;
};

QueryFileOptions options(std::string text_field, std::string id_field = "",
                         int64_t max_chars = 100'000) {
  QueryFileOptions o;
  o.text_field = std::move(text_field);
  o.id_field = std::move(id_field);
  o.max_chars = max_chars;
  return o;
}

Rows read(std::string_view bytes, QueryFormat format, const QueryFileOptions& o = {}) {
  Rows rows;
  query_bytes_read(
      bytes, "q", format, o, [&](QueryRow&& row) { rows.good.push_back(row); },
      [&](RejectedRow&& row) { rows.bad.push_back(row); });
  return rows;
}

TEST(QueryFiles, JsonlRowsAndEveryKindOfBadRow) {
  const Rows rows = read(
      "{\"text\": \"  What is RoPE? \"}\n"
      "{\"text\": \"broken\"\n"
      "\n"
      "{\"other\": \"no text field\"}\n"
      "{\"text\": 42}\n"
      "{\"text\": \"   \"}\n"
      "{\"text\": \"bad \xff byte\"}\n"
      "{\"text\": \"last line, no newline\"}",
      QueryFormat::jsonl);
  ASSERT_EQ(rows.good.size(), 2u);
  EXPECT_EQ(rows.good[0].text, "What is RoPE?");
  EXPECT_EQ(rows.good[0].line, 1);
  EXPECT_EQ(rows.good[1].text, "last line, no newline");
  EXPECT_EQ(rows.good[1].line, 8);
  ASSERT_EQ(rows.bad.size(), 6u);
  const std::vector<std::pair<int64_t, std::string>> expected = {
      {2, "malformed JSON"},           {3, "empty line"},  {4, "no string field \"text\""},
      {5, "no string field \"text\""}, {6, "empty query"}, {7, "invalid UTF-8"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(rows.bad[i].line, expected[i].first);
    EXPECT_NE(rows.bad[i].reason.find(expected[i].second), std::string::npos) << rows.bad[i].reason;
    EXPECT_EQ(rows.bad[i].file, "q");
  }
}

TEST(QueryFiles, CsvQuotingAndLineNumbers) {
  const Rows rows = read(
      "id,text\r\n"
      "1,plain\r\n"
      "2,\"with, comma and \"\"quotes\"\"\"\r\n"
      "3,\"spans\nthree\nlines\"\n"
      "4,after the long one\n"
      "5,too,many\n"
      "6,\"bad\"quote\n",
      QueryFormat::csv, options("text", "id"));
  ASSERT_EQ(rows.good.size(), 4u);
  EXPECT_EQ(rows.good[1].text, "with, comma and \"quotes\"");
  EXPECT_EQ(rows.good[2].text, "spans\nthree\nlines");
  EXPECT_EQ(rows.good[2].line, 4);
  EXPECT_EQ(rows.good[3].line, 7);
  EXPECT_EQ(rows.good[3].id, "4");
  ASSERT_EQ(rows.bad.size(), 2u);
  EXPECT_EQ(rows.bad[0].line, 8);
  EXPECT_NE(rows.bad[0].reason.find("3 fields"), std::string::npos);
  EXPECT_EQ(rows.bad[1].line, 9);
  EXPECT_EQ(rows.bad[1].reason, "malformed quoting");
}

TEST(QueryFiles, TsvColumnsAndAMissingColumn) {
  const Rows rows = read("label\tsentence\nx\tfirst\ny\t\n", QueryFormat::tsv, options("sentence"));
  ASSERT_EQ(rows.good.size(), 1u);
  EXPECT_EQ(rows.good[0].text, "first");
  EXPECT_EQ(rows.bad.size(), 1u);
  try {
    read("label\tsentence\nx\ty\n", QueryFormat::tsv, options("text"));
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("no column \"text\" in the header (label, sentence)"),
              std::string::npos)
        << e.what();
  }
}

TEST(QueryFiles, PlainTextAndLengthLimit) {
  const Rows rows =
      read("one\r\n\ntwo\nthree is long\n", QueryFormat::text, options("text", "", 5));
  ASSERT_EQ(rows.good.size(), 2u);
  EXPECT_EQ(rows.good[1].text, "two");
  EXPECT_EQ(rows.good[1].line, 3);
  ASSERT_EQ(rows.bad.size(), 2u);
  EXPECT_EQ(rows.bad[0].reason, "empty query");
  EXPECT_NE(rows.bad[1].reason.find("max_query_chars"), std::string::npos);
}

TEST(QueryFiles, GzipFilesGlobsAndFormats) {
  const fs::path dir = fs::temp_directory_path() / ("genvec-qf-" + std::to_string(getpid()));
  fs::create_directories(dir);
  {
    gzFile out = gzopen((dir / "b.jsonl.gz").c_str(), "wb");
    gzputs(out, "{\"text\": \"zipped\"}\n{\"text\": \"too\"}\n");
    gzclose(out);
    std::ofstream(dir / "a.jsonl") << "{\"text\": \"plain\"}\n";
  }
  const std::vector<fs::path> files = query_files_expand({(dir / "*.jsonl*").string()});
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].filename(), "a.jsonl");  // sorted
  std::vector<std::string> texts;
  for (const fs::path& file : files)
    query_file_read(
        file, {}, [&](QueryRow&& row) { texts.push_back(row.text); }, [](RejectedRow&&) {});
  EXPECT_EQ(texts, (std::vector<std::string>{"plain", "zipped", "too"}));
  EXPECT_THROW(query_files_expand({(dir / "*.csv").string()}), IoError);
  EXPECT_EQ(query_format_of("x/q.tsv.gz", "auto"), QueryFormat::tsv);
  EXPECT_EQ(query_format_of("q.txt", "auto"), QueryFormat::text);
  EXPECT_EQ(query_format_of("q.txt", "jsonl"), QueryFormat::jsonl);
  fs::remove_all(dir);
}

TEST(QueryFiles, NormalizedFormForDuplicates) {
  EXPECT_EQ(query_normalize("  What  IS\tRoPE?\n"), "what is rope?");
  EXPECT_EQ(query_normalize("Ünïcode Stays"), "Ünïcode stays");
}

}  // namespace
}  // namespace genvec
