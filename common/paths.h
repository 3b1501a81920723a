// Where genvec keeps its files and how config paths are spelled: ${VAR} and ~ expansion, and
// resolving relative paths against the folder of the config file that named them.
#pragma once

#include <filesystem>
#include <string>

namespace genvec {

// $GENVEC_HOME, else ~/.cache/genvec: downloaded models live under its models/ folder.
std::filesystem::path genvec_home();

// Expands ${VAR} (GENVEC_HOME falls back to genvec_home()) and a leading ~, then makes a relative
// result absolute against `base_dir`. An empty path stays empty. Throws ConfigError naming
// `where` for an unset variable or a malformed ${...}.
std::filesystem::path path_resolve(const std::string& spelled, const std::filesystem::path& base_dir,
                                   const std::string& where);

}  // namespace genvec
