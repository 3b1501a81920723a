// The World of an MPI test binary (tests/dist/mpi_test_main.cpp owns it).
#pragma once

#include "dist/world.h"

namespace genvec {
const World& test_world();
}
