// genvec's version and the git revision it was built from (generated at build time, so a
// rebuild after a commit reports the new revision).
#pragma once

namespace genvec {

const char* genvec_version();       // "0.1.0"
const char* genvec_git_revision();  // "1a2b3c4d" or "1a2b3c4d-dirty"; "unknown" outside git

}  // namespace genvec
