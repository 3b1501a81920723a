// Checks a tokenizer against a golden token-id fixture written by
// tests/golden/make_tokenizer_fixture.py (or a script that reuses its write_fixture). The fixture
// carries its strings: a {"source", "license", "strings": N} record per data source, followed by
// N ["text", count, fnv1a64] records (the text encodes to `count` ids whose FNV-1a 64 hash over
// the ids as little-endian int32 is given), then edge cases {"text" | "hex", "ids"} with their ids
// in full. Exact equality: a single differing id fails.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "common/json.h"

namespace genvec {

inline std::string fnv1a64(const std::vector<int32_t>& ids) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (int32_t id : ids)
    for (int shift = 0; shift < 32; shift += 8)
      h = (h ^ ((static_cast<uint32_t>(id) >> shift) & 0xFF)) * 0x100000001B3ull;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
  return text;
}

inline std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return bytes;
}

inline std::string show_ids(const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += std::to_string(id) + " ";
  return out;
}

using EncodeFn = std::function<std::vector<int32_t>(const std::string&)>;
// Extra checks on a valid-UTF-8 edge case and the ids it encoded to (a decode round trip).
using EdgeCaseCheck = std::function<void(const std::string& text, const std::vector<int32_t>&)>;

inline void expect_fixture_ids(const EncodeFn& encode, const std::filesystem::path& fixture_path,
                               const EdgeCaseCheck& check_edge_case = {}) {
  std::ifstream fixture(fixture_path);
  ASSERT_TRUE(fixture) << fixture_path;
  size_t data_strings = 0, edge_cases = 0, mismatches = 0, line_number = 0;
  std::string source;       // the data source the following strings come from
  int64_t source_left = 0;  // how many of its strings are still to come
  auto report = [&](const std::string& what, const std::vector<int32_t>& ours,
                    const std::string& expected) {
    if (++mismatches <= 10)
      ADD_FAILURE() << what << "\n  ours:     " << show_ids(ours) << "\n  expected: " << expected;
  };
  for (std::string line; std::getline(fixture, line);) {
    const std::string where =
        fixture_path.filename().string() + ":" + std::to_string(++line_number);
    const Json record = json_parse(line, where);
    if (record.is_array()) {
      ASSERT_GT(source_left, 0) << where << ": more strings than their source record says";
      --source_left;
      const Json::Array& entry = record.as_array(where);
      ASSERT_EQ(entry.size(), 3u) << where;
      const std::string& text = entry[0].as_string(where);
      const int64_t count = entry[1].as_int(where);
      const std::string& hash = entry[2].as_string(where);
      const std::vector<int32_t> ids = encode(text);
      if (static_cast<int64_t>(ids.size()) != count || fnv1a64(ids) != hash)
        report(where + " (" + source + "): " + text, ids,
               std::to_string(count) + " ids hashing to " + hash);
      ++data_strings;
      continue;
    }
    ASSERT_EQ(source_left, 0) << where << ": " << source << " has fewer strings than it says";
    if (const Json* name = record.find("source")) {
      source = name->as_string("source");
      source_left = record.find("strings")->as_int("strings");
      continue;
    }
    const bool raw = record.find("hex") != nullptr;
    const std::string text = raw ? from_hex(record.find("hex")->as_string("hex"))
                                 : record.find("text")->as_string("text");
    std::vector<int32_t> expected;
    for (const Json& id : record.find("ids")->as_array("ids"))
      expected.push_back(static_cast<int32_t>(id.as_int("id")));
    const std::vector<int32_t> ids = encode(text);
    if (ids != expected) report("edge case '" + text + "'", ids, show_ids(expected));
    if (!raw && check_edge_case) check_edge_case(text, ids);
    ++edge_cases;
  }
  EXPECT_EQ(source_left, 0) << source << " has fewer strings than it says";
  EXPECT_EQ(mismatches, 0u) << mismatches << " of " << data_strings + edge_cases
                            << " strings differ";
  EXPECT_GE(data_strings, 3000u);
  EXPECT_GE(edge_cases, 90u);
}

}  // namespace genvec
