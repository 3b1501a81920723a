// `genvec config`: prints the resolved config as TOML (defaults, then file, then --set), or with
// --keys the reference of every key. Rank 0 prints; nothing is written.
#include <iostream>

#include "common/config.h"
#include "common/config_schema.h"
#include "dist/world.h"
#include "stages/command.h"

namespace genvec {

int config_main(const CommandContext& context) {
  if (context.world.rank() != 0) return 0;
  if (context.has_flag("--keys"))
    std::cout << "Every config key: (type) = default, allowed values, meaning."
              << "\n"
              << config_keys_reference();
  else
    std::cout << config_to_toml(context.config);
  return 0;
}

}  // namespace genvec
