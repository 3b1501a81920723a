// genvec's version and the git revision it was built from (generated at build time, so a
// rebuild after a commit reports the new revision).
#pragma once

namespace genvec {

const char* genvec_version();       // "0.1.0"
const char* genvec_git_revision();  // "1a2b3c4d" or "1a2b3c4d-dirty"; "unknown" outside git

// The version of what genvec computes, part of every fingerprint: bump it in any change that
// alters a stage's output for the same inputs (sharding, prompts, numerics, decoding, caches'
// content), so caches made before the change are refused rather than silently mixed with new
// ones. Releases that change no output keep it.
constexpr const char* kNumericsVersion = "numerics-1";

}  // namespace genvec
