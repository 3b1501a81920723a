// `genvec config`: prints the resolved config as TOML (defaults, then file, then --set), with
// --keys the reference of every key, or with --get KEY one value as scripts want it (a string
// bare, a list one item per line). Rank 0 prints; nothing is written.
#include <iostream>
#include <variant>

#include "common/config.h"
#include "common/config_schema.h"
#include "common/errors.h"
#include "dist/world.h"
#include "stages/command.h"

namespace genvec {

int config_main(const CommandContext& context) {
  if (context.world.rank() != 0) return 0;
  if (const std::string* name = context.value("--get")) {
    const KeySpec* spec = config_find_key(*name);
    if (!spec)
      throw ConfigError("--get " + *name + ": no such key",
                        "did you mean " + std::string(config_closest_key(*name)) +
                            "? `genvec config --keys` lists them all");
    const ConfigValue value = spec->get(context.config);
    if (const auto* text = std::get_if<std::string>(&value))
      std::cout << *text << "\n";
    else if (const auto* list = std::get_if<std::vector<std::string>>(&value))
      for (const std::string& item : *list) std::cout << item << "\n";
    else
      std::cout << config_value_to_toml(value) << "\n";
    return 0;
  }
  if (context.has_flag("--keys"))
    std::cout << "Every config key: (type) = default, allowed values, meaning."
              << "\n"
              << config_keys_reference();
  else
    std::cout << config_to_toml(context.config);
  return 0;
}

}  // namespace genvec
