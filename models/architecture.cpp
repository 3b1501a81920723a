// The registry of supported architectures: see architecture.h.
#include "models/architecture.h"

#include "common/errors.h"

namespace genvec {

extern const ArchitectureSpec kLlamaArchitecture;
extern const ArchitectureSpec kQwen2Architecture;
extern const ArchitectureSpec kQwen3Architecture;

const ArchitectureSpec& architecture_find(std::string_view name, const std::string& source) {
  for (const ArchitectureSpec* spec :
       {&kLlamaArchitecture, &kQwen2Architecture, &kQwen3Architecture})
    if (spec->name == name) return *spec;
  throw IoError(source + ": architecture '" + std::string(name) + "' is not supported",
                "genvec runs llama, qwen2 and qwen3 models");
}

}  // namespace genvec
