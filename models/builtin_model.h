// Models genvec writes itself, deterministically (the same bytes on every machine, so caches
// made from them fingerprint the same everywhere): for the fast tests and smoke runs, where a
// real model would only cost time. A config names one with model.builtin and says where it
// lives with model.path; the first command that needs it writes it there (configs/tiny.toml).
//   tiny-random-llama  a Llama with hidden size 32, 2 layers, 4 query / 2 key-value heads and
//                      random weights, over a byte-level tokenizer (256 byte tokens, no merges,
//                      plus <|endoftext|>, <|im_start|>, <|im_end|>) and a ChatML chat
//                      template, as one GGUF file (float32). Its answers are random bytes, but
//                      every stage runs on it in seconds.
// Torch-free.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace genvec {

std::vector<std::string_view> builtin_model_names();

// Writes the built-in model `name` at `path` unless a file is there already; the file appears
// atomically, so ranks racing to write it all end up reading the same bytes. ConfigError for a
// name that is not built in.
void builtin_model_ensure(const std::string& name, const std::filesystem::path& path);

}  // namespace genvec
