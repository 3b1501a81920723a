// Path spelling rules for config values: see paths.h.
#include "common/paths.h"

#include <cstdlib>

#include "common/errors.h"

namespace genvec {

namespace fs = std::filesystem;

fs::path genvec_home() {
  if (const char* home = std::getenv("GENVEC_HOME"); home && *home) return fs::path(home);
  const char* user_home = std::getenv("HOME");
  return fs::path(user_home && *user_home ? user_home : "/tmp") / ".cache" / "genvec";
}

fs::path path_resolve(const std::string& spelled, const fs::path& base_dir,
                      const std::string& where) {
  if (spelled.empty()) return {};
  std::string expanded;
  for (size_t i = 0; i < spelled.size();) {
    if (spelled.compare(i, 2, "${") != 0) {
      expanded += spelled[i++];
      continue;
    }
    size_t close = spelled.find('}', i);
    if (close == std::string::npos)
      throw ConfigError(where + ": unterminated ${ in path \"" + spelled + "\"",
                        "write variables as ${NAME}");
    std::string name = spelled.substr(i + 2, close - i - 2);
    const char* value = std::getenv(name.c_str());
    if (name == "GENVEC_HOME") {
      expanded += genvec_home().string();
    } else if (value) {
      expanded += value;
    } else {
      throw ConfigError(where + ": path \"" + spelled + "\" uses ${" + name +
                            "}, which is not set in the environment",
                        "export " + name + " or spell the path out");
    }
    i = close + 1;
  }
  if (expanded == "~" || expanded.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (!home) throw ConfigError(where + ": path \"" + spelled + "\" starts with ~ but HOME is unset");
    expanded = std::string(home) + expanded.substr(1);
  }
  fs::path path(expanded);
  if (path.is_relative()) path = base_dir / path;
  return path.lexically_normal();
}

}  // namespace genvec
