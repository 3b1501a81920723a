// `genvec doctor`: what this machine and job look like to genvec: versions, the BLAS actually
// loaded and its measured sgemm speed, the MPI layout per rank, HDF5, NCCL/CUDA, and the models
// under $GENVEC_HOME. Every rank measures; rank 0 prints. Writes nothing.
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <hdf5.h>
#include <torch/version.h>

#include "common/blas_kernels.h"
#include "common/config.h"
#include "common/paths.h"
#include "common/version.h"
#include "dist/communicator.h"
#include "dist/world.h"
#include "stages/command.h"
#include "stages/peak_flops.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;

// Which library answers sgemm_ for this process, resolved the way libtorch's own call is. Debian
// picks libblas.so.3 through update-alternatives and LD_LIBRARY_PATH can override it, so the
// link line does not tell; the dynamic linker does.
std::string blas_description() {
  void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_");
  Dl_info where{};
  if (!sgemm || !dladdr(sgemm, &where) || !where.dli_fname)
    return "no dynamic sgemm_ (libtorch may bundle MKL statically)";
  std::error_code ec;
  const fs::path real = fs::canonical(where.dli_fname, ec);
  const std::string path = ec ? where.dli_fname : real.string();
  using GetConfig = char* (*)();
  auto openblas_config = reinterpret_cast<GetConfig>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  if (path.find("openblas") != std::string::npos && openblas_config) {
    std::string text = std::string(openblas_config()) + "\n           sgemm_ from " + path;
    if (*blas_kernels_replaced())
      text += "\n           kernels: OPENBLAS_CORETYPE=" + std::string(std::getenv("OPENBLAS_CORETYPE")) +
              " chosen by genvec (this OpenBLAS does not know the CPU and fell back to " +
              blas_kernels_replaced() + "; GENVEC_BLAS_KERNELS=keep keeps that)";
    return text;
  }
  if (path.find("/blas/") != std::string::npos)
    return "Debian's reference BLAS, slow (" + path +
           ")\n           ---> HINT: install libopenblas0-openmp (scripts/setup.sh)";
  return "sgemm_ from " + path;
}

std::string hdf5_version() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(release);
}

std::string presence(const std::string& path, const Config& config) {
  if (path.empty()) return "(not set)";
  if (fs::exists(path)) return path + "  [present]";
  if (path == config.model.path && !config.model.builtin.empty())
    return path + "  [built-in " + config.model.builtin + ", written on first use]";
  return path + "  [MISSING]";
}

// Models fetched by scripts/setup.sh: one folder each with a SHA256SUMS of its files.
void print_models(std::ostream& out, const Config& config) {
  const fs::path models = genvec_home() / "models";
  out << "models     GENVEC_HOME=" << genvec_home().string() << "\n";
  bool any = false;
  if (fs::is_directory(models)) {
    for (const auto& entry : fs::directory_iterator(models)) {
      if (!entry.is_directory()) continue;
      any = true;
      std::ifstream sums(entry.path() / "SHA256SUMS");
      std::string sha, file;
      sums >> sha >> file;
      out << "  " << entry.path().filename().string() << ": "
          << (sha.empty() ? "no SHA256SUMS (incomplete download?)"
                          : file + " sha256 " + sha.substr(0, 16) + "...")
          << "\n";
    }
  }
  if (!any) out << "  none: run scripts/setup.sh to fetch the default models\n";
  out << "  model.path   " << presence(config.model.path, config) << "\n";
  out << "  teacher      " << presence(teacher_model_path(config).string(), config) << "\n";
}

}  // namespace

int doctor_main(const CommandContext& context) {
  const World& world = context.world;
  const WorldInfo& info = world.info();
  const int threads = at::get_num_threads();
  const double gflops = measure_peak_gflops(Placement{});

  // Per-rank facts travel to rank 0 through the communicator, as every stage's data would.
  auto communicator = world.make_cpu_communicator(context.config.dist.timeout_s);
  at::Tensor mine = at::tensor({static_cast<double>(info.local_rank), static_cast<double>(threads),
                                gflops, static_cast<double>(info.cuda_device)},
                               at::kDouble);
  at::Tensor all = at::empty({world.size(), mine.numel()}, at::kDouble);
  communicator->all_gather(mine, all);
  if (world.rank() != 0) return 0;

  std::ostringstream out;
  out << "genvec     " << genvec_version() << " (git " << genvec_git_revision() << ")\n";
  out << "libtorch   " << TORCH_VERSION_MAJOR << "." << TORCH_VERSION_MINOR << "."
      << TORCH_VERSION_PATCH << ", CUDA "
      << (at::hasCUDA() ? "available" : "not available (CPU build or no GPU)") << "\n";
  out << "BLAS       " << blas_description() << "\n";
  const auto rows = all.accessor<double, 2>();
  double total = 0;
  for (int r = 0; r < world.size(); ++r) total += rows[r][2];
  out << "sgemm      1024x1024 float32: " << static_cast<int>(gflops + 0.5)
      << " GFLOP/s on rank 0 (" << threads << " thread(s)), " << static_cast<int>(total + 0.5)
      << " GFLOP/s over all ranks at once\n";
  out << "MPI        " << world.mpi_library_version() << "\n";
  out << "           world size " << info.size << ", " << info.num_nodes << " node(s), "
      << info.local_size << " rank(s) per node on rank 0's node\n";
  for (int r = 0; r < world.size(); ++r) {
    out << "           rank " << r << ": host " << info.hosts[r] << ", local rank "
        << static_cast<int>(rows[r][0]) << ", " << static_cast<int>(rows[r][1]) << " thread(s), "
        << static_cast<int>(rows[r][2] + 0.5) << " GFLOP/s, device "
        << (rows[r][3] < 0 ? std::string("cpu") : "cuda:" + std::to_string(int(rows[r][3])))
        << "\n";
  }
  out << "HDF5       " << hdf5_version() << "\n";
  out << "NCCL       "
      << (world_has_nccl() ? "built (" + world_nccl_version() + "), " +
                                 std::to_string(info.cuda_device_count) + " CUDA device(s) here" +
                                 (info.cuda_device_count ? "" : ": NCCL collectives need a GPU")
                           : std::string("not built (CUDA toolkit/NCCL not found or "
                                         "-DGENVEC_NCCL=OFF)"))
      << "\n";
  print_models(out, context.config);
  std::cout << out.str() << std::flush;
  return 0;
}

}  // namespace genvec
