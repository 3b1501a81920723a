// "Did you mean ...?" hints: the name in a list closest to a misspelled one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace genvec {

// Levenshtein distance (insertions, deletions, substitutions of bytes).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` by edit distance, ignoring ASCII case ("BIOSSES" finds
// "biosses"); "" when there are none.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace genvec
