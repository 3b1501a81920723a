// Anchor for the shared precompiled torch header (cmake/targets.cmake).
