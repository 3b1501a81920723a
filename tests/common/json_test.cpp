// The JSON reader: values, escapes and numbers as Python's json module reads them, and errors
// that name source:line:column.
#include <gtest/gtest.h>

#include <cmath>

#include "common/errors.h"
#include "common/json.h"

namespace genvec {
namespace {

std::string parse_error(std::string_view text) {
  try {
    json_parse(text, "t.json");
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

TEST(Json, ReadsEveryKindOfValue) {
  const Json doc = json_parse(
      R"( {"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d"}, "e": {}, "f": []} )", "t");
  const auto& a = doc.find("a")->as_array("a");
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(a[0].as_int("x"), 1);
  EXPECT_TRUE(a[0].is_integer());
  EXPECT_EQ(a[1].as_number("x"), -2.5);
  EXPECT_FALSE(a[1].is_integer());
  EXPECT_EQ(a[2].as_number("x"), 300.0);
  EXPECT_FALSE(a[2].is_integer());  // 3e2 is a float literal, as in Python
  EXPECT_TRUE(a[3].as_bool("x"));
  EXPECT_FALSE(a[4].as_bool("x"));
  EXPECT_TRUE(a[5].is_null());
  EXPECT_EQ(doc.find("b")->find("c")->as_string("x"), "d");
  EXPECT_TRUE(doc.find("e")->as_object("x").empty());
  EXPECT_TRUE(doc.find("f")->as_array("x").empty());
  EXPECT_EQ(doc.find("missing"), nullptr);
  EXPECT_EQ(a[0].find("x"), nullptr);
}

TEST(Json, StringEscapesDecodeToUtf8) {
  EXPECT_EQ(json_parse(R"("\"\\\/\b\f\n\r\t")", "t").as_string("s"), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(json_parse(R"("\u00e9\u4e2d")", "t").as_string("s"), "\xc3\xa9\xe4\xb8\xad");
  EXPECT_EQ(json_parse(R"("\ud83d\ude00")", "t").as_string("s"), "\xf0\x9f\x98\x80");  // 😀
  EXPECT_EQ(json_parse(R"("\ud800x")", "t").as_string("s"), "\xed\xa0\x80x");   // lone surrogate
  EXPECT_EQ(json_parse("\"caf\xc3\xa9\"", "t").as_string("s"), "caf\xc3\xa9");  // raw UTF-8
}

TEST(Json, NumbersFollowPython) {
  EXPECT_EQ(json_parse("9007199254740993", "t").as_int("n"), 9007199254740993);  // exact int
  EXPECT_FALSE(json_parse("99999999999999999999", "t").is_integer());            // beyond int64
  EXPECT_TRUE(std::isinf(json_parse("1e400", "t").as_number("n")));
  EXPECT_EQ(json_parse("-1e-400", "t").as_number("n"), 0.0);
  EXPECT_TRUE(std::signbit(json_parse("-1e-400", "t").as_number("n")));
  EXPECT_EQ(json_parse("-0", "t").as_int("n"), 0);
}

TEST(Json, RepeatedKeyResolvesToTheLastValue) {
  EXPECT_EQ(json_parse(R"({"k": 1, "k": 2})", "t").find("k")->as_int("k"), 2);
}

TEST(Json, ErrorsNameLineAndColumn) {
  EXPECT_NE(parse_error("{\"a\": 1,\n \"b\" 2}").find("t.json:2:6: invalid JSON: expected `:`"),
            std::string::npos);
  for (std::string_view bad :
       {"", "{", "[1,]", "{\"a\":}", "01", "1.", "-", ".5", "1e", "tru", "\"abc", "\"a\nb\"",
        "\"\\x\"", "\"\\u12\"", "[1] 2", "nan", "{\"a\" 1}", "{1: 2}", "'a'"})
    EXPECT_NE(parse_error(bad), "") << bad;
  EXPECT_NE(parse_error(std::string(100000, '[')).find("nested deeper"), std::string::npos);
}

TEST(Json, KindMismatchNamesTheValue) {
  try {
    json_parse("[1]", "t").as_object("config.json: root");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_STREQ(e.what(), "config.json: root: expected an object, found an array");
  }
}

}  // namespace
}  // namespace genvec
