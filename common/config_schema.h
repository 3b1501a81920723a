// The table of every config key: name, type, documentation, allowed range or choices, and how to
// read and write it in a Config. The loader, `--set`, `genvec config` and `genvec config --keys`
// are all driven by this one table so they cannot drift apart.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/config.h"

namespace genvec {

enum class ValueType { boolean, integer, real, string, path, string_list, path_list };

using ConfigValue = std::variant<bool, int64_t, double, std::string, std::vector<std::string>>;

struct KeySpec {
  std::string_view name;  // "section.key"
  ValueType type = ValueType::string;
  std::string_view doc;
  std::optional<double> min;                  // integer/real keys: inclusive bounds
  std::optional<double> max;
  std::vector<std::string_view> choices;      // string keys: the allowed values, if restricted
  std::function<ConfigValue(const Config&)> get;
  std::function<void(Config&, const ConfigValue&)> set;

  std::string_view section() const { return name.substr(0, name.find('.')); }
  std::string_view key() const { return name.substr(name.find('.') + 1); }
};

// Every key, grouped by section in the order sections are printed.
std::span<const KeySpec> config_schema();

// The spec for "section.key", or nullptr.
const KeySpec* config_find_key(std::string_view name);

// The valid key closest to `name` (edit distance), for "did you mean" hints.
std::string_view config_closest_key(std::string_view name);

// The section closest to `name`, for "did you mean" hints.
std::string_view config_closest_section(std::string_view name);

// The section names, in print order.
std::vector<std::string_view> config_sections();

std::string_view value_type_name(ValueType type);

// A human-readable rendering of a value as TOML ("0.0005", "\"auto\"", "[\"a\", \"b\"]").
std::string config_value_to_toml(const ConfigValue& value);

// Checks `value` against the key's range/choices; throws ConfigError mentioning `where`.
void config_check_value(const KeySpec& spec, const ConfigValue& value, const std::string& where);

// The reference of every key (type, default, range, doc), for `genvec config --keys`.
std::string config_keys_reference();

}  // namespace genvec
