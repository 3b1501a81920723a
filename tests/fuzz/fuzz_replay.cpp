// Runs a libFuzzer target's entry point over corpus files without libFuzzer, so the seed corpus
// is replayed by ctest with any compiler: fuzz_replay FILE_OR_DIR...
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  int inputs = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path root(argv[i]);
    auto replay = [&](const std::filesystem::path& file) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++inputs;
    };
    if (std::filesystem::is_directory(root)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
        if (entry.is_regular_file()) replay(entry.path());
    } else {
      replay(root);
    }
  }
  std::printf("replayed %d input(s) without a crash\n", inputs);
  return inputs > 0 ? 0 : 1;
}
