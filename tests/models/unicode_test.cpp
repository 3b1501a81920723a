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

// Expected values from Python 3.11's unicodedata.normalize("NFC"): composition, Hangul,
// canonical reordering, singletons, composition exclusions, blocked marks.
TEST(Unicode, NfcMatchesPython) {
  const std::vector<std::pair<std::vector<uint32_t>, std::vector<uint32_t>>> cases = {
      {{0x65, 0x301}, {0xe9}},
      {{0x63, 0x61, 0x66, 0x65, 0x301, 0x20, 0x6e, 0x61, 0x308, 0x69, 0x76, 0x65},
       {0x63, 0x61, 0x66, 0xe9, 0x20, 0x6e, 0xe4, 0x69, 0x76, 0x65}},
      {{0x1100, 0x1161, 0x11a8}, {0xac01}},
      {{0xac00, 0x11a8}, {0xac01}},
      {{0x61, 0x328, 0x301}, {0x105, 0x301}},
      {{0x61, 0x301, 0x328}, {0x105, 0x301}},
      {{0x212b}, {0xc5}},
      {{0x344}, {0x308, 0x301}},
      {{0x1e9b, 0x323}, {0x1e9b, 0x323}},
      {{0x41, 0x30a}, {0xc5}},
      {{0x958}, {0x915, 0x93c}},
      {{0x2126}, {0x3a9}},
      {{0xc5, 0x301}, {0x1fa}},
      {{0xfb2, 0xf80}, {0xfb2, 0xf80}},
      {{0x1e0b, 0x323}, {0x1e0d, 0x307}},
      {{0xd55c, 0xae00}, {0xd55c, 0xae00}},
      {{0x71, 0x307, 0x323}, {0x71, 0x323, 0x307}},
      {{}, {}},
  };
  for (const auto& [input, expected] : cases)
    EXPECT_EQ(unicode_nfc(input), expected) << utf8_encode(input);
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
