// The gen-token embedder to and from a checkpoint's tensors: what training saves and resumes,
// and what evaluation, encode and decode load.
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "models/gen_embedder.h"
#include "training/checkpoint.h"

namespace genvec {

// The flat float32 vector (GenEmbedder::flat() or an optimizer moment) as named tensors.
std::vector<CheckpointTensor> tensors_of(const GenEmbedderShape& shape, const at::Tensor& flat);

// The named tensors back as one flat float32 CPU vector; an IoError naming `what` when they do
// not fit `shape`.
at::Tensor flat_of(const GenEmbedderShape& shape, const std::vector<CheckpointTensor>& tensors,
                   const std::string& what);

// The shape a checkpoint records.
GenEmbedderShape shape_of(const Checkpoint& checkpoint);

}  // namespace genvec
