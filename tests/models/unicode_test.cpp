// UTF-8 decoding replaces broken sequences exactly as Python's bytes.decode("utf-8",
// errors="replace") does (expected values produced with Python 3.11), and the class tables
// answer for representative code points.
#include <gtest/gtest.h>

#include "models/unicode.h"

namespace genvec {
namespace {

TEST(Unicode, DecodingMatchesPythonReplace) {
  const std::vector<std::pair<std::string, std::vector<uint32_t>>> cases = {
      {"abc", {0x61, 0x62, 0x63}},
      {"\xc3\xa9", {0xe9}},
      {"\xe2\x82", {0xfffd}},
      {"\xed\xa0\x80", {0xfffd, 0xfffd, 0xfffd}},  // an encoded surrogate
      {"\xf0\x9f\x98\x80", {0x1f600}},
      {"\xff\xfe", {0xfffd, 0xfffd}},
      {"\xe2\x82\xac\x80", {0x20ac, 0xfffd}},
      {"\xc0\xaf", {0xfffd, 0xfffd}},                          // overlong
      {"\xf4\x90\x80\x80", {0xfffd, 0xfffd, 0xfffd, 0xfffd}},  // beyond U+10FFFF
      {"a\xf0\x9f\x98", {0x61, 0xfffd}},
      {"\xe0\x80\xaf", {0xfffd, 0xfffd, 0xfffd}},
  };
  for (const auto& [bytes, expected] : cases) {
    size_t invalid = 0;
    EXPECT_EQ(utf8_decode(bytes, &invalid), expected) << bytes;
    size_t replacements = 0;
    for (uint32_t cp : expected) replacements += cp == kReplacementCharacter;
    EXPECT_EQ(invalid, replacements) << bytes;
  }
  EXPECT_EQ(utf8_encode({0x61, 0xe9, 0x4e2d, 0x1f600}), "a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80");
}

TEST(Unicode, ClassTables) {
  EXPECT_TRUE(unicode_is_letter('a'));
  EXPECT_TRUE(unicode_is_letter(0x4e2d));  // 中
  EXPECT_TRUE(unicode_is_letter(0x00e9));  // é
  EXPECT_FALSE(unicode_is_letter('1'));
  EXPECT_FALSE(unicode_is_letter(0x0301));  // combining acute: a mark
  EXPECT_TRUE(unicode_is_mark(0x0301));
  EXPECT_TRUE(unicode_is_number('7'));
  EXPECT_TRUE(unicode_is_number(0x00bd));  // ½
  EXPECT_TRUE(unicode_is_number(0x0663));  // Arabic-Indic 3
  EXPECT_FALSE(unicode_is_number('x'));
  for (uint32_t cp : {0x20u, 0x09u, 0x0Au, 0x0Du, 0xA0u, 0x3000u, 0x2028u})
    EXPECT_TRUE(unicode_is_white_space(cp)) << cp;
  EXPECT_FALSE(unicode_is_white_space(0x200B));  // zero width space is not White_Space
  EXPECT_FALSE(unicode_is_letter(0x1f600));
  EXPECT_STREQ(unicode_tables_version(), "14.0.0");
}

}  // namespace
}  // namespace genvec
