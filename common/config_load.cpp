// Loads a Config from TOML and `--set` overrides through the schema table, with errors that name
// file:line (or the override) and the closest valid key. Torch-free so a fuzz target can build
// it with clang alone.
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "common/config.h"
#include "common/config_schema.h"
#include "common/errors.h"
#include "common/paths.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

const char* const kKeysHint = "`genvec config --keys` lists every key with its type and default";

std::string node_type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::string location(const std::string& source, const toml::source_region& region) {
  return source + ":" + std::to_string(region.begin.line);
}

[[noreturn]] void throw_type_error(const KeySpec& spec, const toml::node& node,
                                   const std::string& where) {
  const std::string type(value_type_name(spec.type));
  const bool vowel = std::string_view("aeiou").find(type[0]) != std::string_view::npos;
  throw ConfigError(where + ": " + std::string(spec.name) + " expects " + (vowel ? "an " : "a ") +
                        type + ", got " +
                        node_type_name(node),
                    std::string(spec.name) + ": " + std::string(spec.doc));
}

// Converts a TOML value to the key's type; integers are accepted where floats are expected.
ConfigValue value_from_node(const KeySpec& spec, const toml::node& node, const std::string& where) {
  switch (spec.type) {
    case ValueType::boolean:
      if (auto v = node.value_exact<bool>()) return *v;
      break;
    case ValueType::integer:
      if (auto v = node.value_exact<int64_t>()) return *v;
      break;
    case ValueType::real:
      if (node.is_floating_point()) return *node.value_exact<double>();
      if (node.is_integer()) return static_cast<double>(*node.value_exact<int64_t>());
      break;
    case ValueType::string:
    case ValueType::path:
      if (auto v = node.value_exact<std::string>()) return *v;
      break;
    case ValueType::string_list:
    case ValueType::path_list:
      if (const toml::array* array = node.as_array()) {
        std::vector<std::string> items;
        for (const toml::node& item : *array) {
          auto text = item.value_exact<std::string>();
          if (!text) throw_type_error(spec, item, where);
          items.push_back(*text);
        }
        return items;
      }
      break;
  }
  throw_type_error(spec, node, where);
}

// Checks and stores one value; paths are resolved against base_dir.
void apply_value(Config& config, const KeySpec& spec, ConfigValue value, const fs::path& base_dir,
                 const std::string& where) {
  if (spec.type == ValueType::path)
    value = path_resolve(std::get<std::string>(value), base_dir, where + ": " +
                         std::string(spec.name)).string();
  if (spec.type == ValueType::path_list)
    for (std::string& item : std::get<std::vector<std::string>>(value))
      item = path_resolve(item, base_dir, where + ": " + std::string(spec.name)).string();
  config_check_value(spec, value, where);
  spec.set(config, value);
}

const KeySpec& find_key_or_throw(const std::string& name, const std::string& where) {
  if (const KeySpec* spec = config_find_key(name)) return *spec;
  throw ConfigError(where + ": unknown key `" + name + "`; did you mean `" +
                        std::string(config_closest_key(name)) + "`?",
                    kKeysHint);
}

void apply_table(Config& config, const toml::table& root, const std::string& source,
                 const fs::path& base_dir) {
  const auto sections = config_sections();
  for (auto&& [section_key, section_node] : root) {
    const std::string section(section_key.str());
    const std::string where = location(source, section_key.source());
    const toml::table* table = section_node.as_table();
    if (!table || std::find(sections.begin(), sections.end(), section) == sections.end()) {
      // Either an unknown [section] or a key outside any section ("lr = 1" → train.lr).
      const std::string suggestion =
          table ? "[" + std::string(config_closest_section(section)) + "]"
                : "`" + std::string(config_closest_key(section)) + "`";
      throw ConfigError(where + ": unknown " +
                            (table ? "section [" + section + "]" : "top-level key `" + section + "`") +
                            "; did you mean " + suggestion + "?",
                        "keys live in sections such as [train]; " + std::string(kKeysHint));
    }
    for (auto&& [key, node] : *table) {
      const std::string where_key = location(source, key.source());
      const KeySpec& spec = find_key_or_throw(section + "." + std::string(key.str()), where_key);
      apply_value(config, spec, value_from_node(spec, node, where_key), base_dir, where_key);
    }
  }
}

// Parses the text of `--set key=value`. Strings may be written bare; arrays as TOML arrays or
// comma-separated; everything else as a TOML value.
ConfigValue value_from_override(const KeySpec& spec, const std::string& text,
                                const std::string& where) {
  const bool is_text = spec.type == ValueType::string || spec.type == ValueType::path;
  const bool quoted = text.starts_with('"') || text.starts_with('\'');
  if (is_text && !quoted) return text;
  if ((spec.type == ValueType::string_list || spec.type == ValueType::path_list) &&
      !text.starts_with('[')) {
    std::vector<std::string> items;
    std::stringstream stream(text);
    for (std::string item; std::getline(stream, item, ',');) items.push_back(item);
    return items;
  }
  toml::table parsed;
  try {
    parsed = toml::parse("value = " + text);
  } catch (const toml::parse_error& e) {
    throw ConfigError(where + ": cannot read `" + text + "` as " +
                          std::string(value_type_name(spec.type)) + " (" +
                          std::string(e.description()) + ")",
                      std::string(spec.name) + ": " + std::string(spec.doc));
  }
  return value_from_node(spec, *parsed.get("value"), where);
}

Config load(const std::string* toml_text, const std::string& source_name, const fs::path& base_dir,
            const std::vector<ConfigOverride>& overrides) {
  Config config;
  const fs::path cwd = fs::current_path();
  for (const KeySpec& spec : config_schema())
    if (spec.type == ValueType::path || spec.type == ValueType::path_list)
      apply_value(config, spec, spec.get(config), cwd, "default of " + std::string(spec.name));

  if (toml_text) {
    toml::table root;
    try {
      root = toml::parse(*toml_text, source_name);
    } catch (const toml::parse_error& e) {
      throw ConfigError(location(source_name, e.source()) + ": invalid TOML: " +
                            std::string(e.description()),
                        "fix the TOML syntax on that line");
    }
    apply_table(config, root, source_name, base_dir);
  }
  for (const ConfigOverride& o : overrides) {
    const std::string where = "--set " + o.key + "=" + o.value;
    const KeySpec& spec = find_key_or_throw(o.key, where);
    apply_value(config, spec, value_from_override(spec, o.value, where), cwd, where);
  }
  config_validate(config);
  return config;
}

}  // namespace

Config config_load_string(const std::string& toml_text, const std::string& source_name,
                          const fs::path& base_dir, const std::vector<ConfigOverride>& overrides) {
  return load(&toml_text, source_name, base_dir, overrides);
}

Config config_load(const fs::path* file, const std::vector<ConfigOverride>& overrides) {
  if (!file) return load(nullptr, "", fs::current_path(), overrides);
  std::ifstream in(*file, std::ios::binary);
  if (!in)
    throw ConfigError("cannot open config file " + file->string(),
                      "check the path given to --config");
  std::stringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  return load(&content, file->string(), fs::absolute(*file).parent_path(), overrides);
}

void config_validate(const Config& c) {
  if (c.train.num_compression_tokens > c.train.num_tokens)
    throw ConfigError("train.num_compression_tokens (" +
                          std::to_string(c.train.num_compression_tokens) +
                          ") exceeds train.num_tokens (" + std::to_string(c.train.num_tokens) + ")",
                      "the compression tokens are the last K of the N special tokens: K <= N");
  if (c.train.warmup_steps > c.train.schedule_steps)
    throw ConfigError("train.warmup_steps (" + std::to_string(c.train.warmup_steps) +
                          ") exceeds train.schedule_steps (" +
                          std::to_string(c.train.schedule_steps) + ")",
                      "warmup is part of the schedule: lower warmup_steps or raise schedule_steps");
  if (c.train.max_steps > c.train.schedule_steps)
    throw ConfigError("train.max_steps (" + std::to_string(c.train.max_steps) +
                          ") exceeds train.schedule_steps (" +
                          std::to_string(c.train.schedule_steps) +
                          "): the learning rate is 0 after the schedule ends",
                      "raise train.schedule_steps to at least train.max_steps");
}

std::filesystem::path teacher_model_path(const Config& c) {
  if (!c.teacher.path.empty()) return c.teacher.path;
  if (c.teacher.kind == "llm") return c.model.path;
  return genvec_home() / "models" / "all-minilm-l6-v2";
}

std::string config_to_toml(const Config& config) {
  std::string out = "# genvec resolved config: defaults, then the config file, then --set\n";
  std::string_view section;
  for (const KeySpec& spec : config_schema()) {
    if (spec.section() != section) {
      section = spec.section();
      out += "\n[" + std::string(section) + "]\n";
    }
    out += std::string(spec.key()) + " = " + config_value_to_toml(spec.get(config)) + "\n";
  }
  return out;
}

}  // namespace genvec
