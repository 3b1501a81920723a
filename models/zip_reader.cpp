// Stored ZIP archives: see zip_reader.h.
#include "models/zip_reader.h"

#include "common/errors.h"

namespace genvec {
namespace {

using Bytes = std::span<const uint8_t>;

const char* const kCorruptHint =
    "the file is truncated or not a PyTorch checkpoint; download it again and compare checksums, "
    "or convert the model to safetensors";
const char* const kResaveHint =
    "re-save it with torch>=1.6 (torch.save(torch.load(f), f)) or convert it to safetensors";

[[noreturn]] void fail(const std::string& source, const std::string& what,
                       const std::string& hint = kCorruptHint) {
  throw IoError(source + ": " + what, hint);
}

// https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT (4.3.7, 4.3.12, 4.3.14-16,
// 4.5.3). torch.save stores every entry uncompressed and always writes a ZIP64 end record. Sizes
// come from the central directory, since a local header may leave them to a data descriptor.
// CRCs are not checked: that would cost a pass over gigabytes of weights, and the bounds checks
// below already keep a damaged file from reading outside itself.

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndRecord = 0x06054b50;
constexpr uint32_t kZip64EndRecord = 0x06064b50;
constexpr uint32_t kZip64EndLocator = 0x07064b50;
constexpr uint16_t kZip64Extra = 0x0001;
constexpr uint64_t kEndRecordBytes = 22;
constexpr uint64_t kCentralHeaderBytes = 46;
constexpr uint64_t kLocalHeaderBytes = 30;

// Little-endian reads that throw instead of reading past the end.
struct Reader {
  Bytes bytes;
  const std::string& source;

  Bytes slice(uint64_t at, uint64_t count, const std::string& what) const {
    if (at > bytes.size() || count > bytes.size() - at)
      fail(source, "truncated: " + what + " (" + std::to_string(count) + " bytes at offset " +
                       std::to_string(at) + ") lies past the end of the " +
                       std::to_string(bytes.size()) + " bytes");
    return bytes.subspan(at, count);
  }
  uint64_t get(uint64_t at, int width, const std::string& what) const {
    const Bytes field = slice(at, width, what);
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = value << 8 | field[i];
    return value;
  }
};

// Sizes and offset the central directory gives as 0xFFFFFFFF are in the ZIP64 extra field, in
// this order, each present only if its 32-bit field overflowed.
void read_zip64_extra(const Reader& extra, uint64_t& size, uint64_t& compressed, uint64_t& local,
                      const std::string& name) {
  for (uint64_t at = 0; at + 4 <= extra.bytes.size();) {
    const uint64_t id = extra.get(at, 2, name + " extra field");
    const uint64_t length = extra.get(at + 2, 2, name + " extra field");
    const Reader field{extra.slice(at + 4, length, name + " extra field"), extra.source};
    at += 4 + length;
    if (id != kZip64Extra) continue;
    uint64_t position = 0;
    for (uint64_t* value : {&size, &compressed, &local}) {
      if (*value != 0xFFFFFFFF) continue;
      *value = field.get(position, 8, name + " ZIP64 extra field");
      position += 8;
    }
    return;
  }
  fail(extra.source, "entry " + name + " needs a ZIP64 extra field and has none");
}

}  // namespace

ZipEntries zip_stored_entries(Bytes bytes, const std::string& source) {
  const Reader file{bytes, source};
  if (bytes.size() < kEndRecordBytes) fail(source, "too short to be a zip archive");
  // The end record sits before a comment of at most 64 KiB; the right one ends the file exactly.
  uint64_t end = bytes.size();
  for (uint64_t at = bytes.size() - kEndRecordBytes;; --at) {
    if (file.get(at, 4, "end record") == kEndRecord &&
        at + kEndRecordBytes + file.get(at + 20, 2, "end record") == bytes.size()) {
      end = at;
      break;
    }
    if (at == 0 || bytes.size() - kEndRecordBytes - at > 0xFFFF) break;
  }
  if (end == bytes.size()) fail(source, "not a zip archive: no end-of-central-directory record");
  uint64_t count = file.get(end + 10, 2, "end record");
  uint64_t directory_bytes = file.get(end + 12, 4, "end record");
  uint64_t directory = file.get(end + 16, 4, "end record");
  if (end >= 20 && file.get(end - 20, 4, "ZIP64 locator") == kZip64EndLocator) {
    const uint64_t end64 = file.get(end - 12, 8, "ZIP64 locator");
    if (file.get(end64, 4, "ZIP64 end record") != kZip64EndRecord)
      fail(source, "the ZIP64 end record is missing");
    count = file.get(end64 + 32, 8, "ZIP64 end record");
    directory_bytes = file.get(end64 + 40, 8, "ZIP64 end record");
    directory = file.get(end64 + 48, 8, "ZIP64 end record");
  }
  file.slice(directory, directory_bytes, "the central directory");
  if (count > directory_bytes / kCentralHeaderBytes)
    fail(source, "the central directory claims " + std::to_string(count) + " entries in " +
                     std::to_string(directory_bytes) + " bytes");

  ZipEntries entries;
  uint64_t at = directory;
  for (uint64_t i = 0; i < count; ++i) {
    if (file.get(at, 4, "central directory") != kCentralHeader)
      fail(source, "central directory entry " + std::to_string(i) + " is damaged");
    const uint64_t flags = file.get(at + 8, 2, "central directory");
    const uint64_t method = file.get(at + 10, 2, "central directory");
    uint64_t compressed = file.get(at + 20, 4, "central directory");
    uint64_t size = file.get(at + 24, 4, "central directory");
    const uint64_t name_bytes = file.get(at + 28, 2, "central directory");
    const uint64_t extra_bytes = file.get(at + 30, 2, "central directory");
    const uint64_t comment_bytes = file.get(at + 32, 2, "central directory");
    uint64_t local = file.get(at + 42, 4, "central directory");
    const Bytes name_field = file.slice(at + kCentralHeaderBytes, name_bytes, "an entry name");
    const std::string name(name_field.begin(), name_field.end());
    if (size == 0xFFFFFFFF || compressed == 0xFFFFFFFF || local == 0xFFFFFFFF)
      read_zip64_extra(
          {file.slice(at + kCentralHeaderBytes + name_bytes, extra_bytes, name), source}, size,
          compressed, local, name);
    at += kCentralHeaderBytes + name_bytes + extra_bytes + comment_bytes;

    if (flags & 1) fail(source, "entry " + name + " is encrypted");
    if (method != 0)
      fail(source,
           "entry " + name + " is compressed (method " + std::to_string(method) +
               "); torch.save stores entries uncompressed",
           kResaveHint);
    if (compressed != size)
      fail(source, "stored entry " + name + " has different compressed and plain sizes");
    if (file.get(local, 4, name + " local header") != kLocalHeader)
      fail(source, "entry " + name + " has no local header at offset " + std::to_string(local));
    const uint64_t skip = kLocalHeaderBytes + file.get(local + 26, 2, name + " local header") +
                          file.get(local + 28, 2, name + " local header");
    if (!entries.emplace(name, file.slice(local + skip, size, "entry " + name)).second)
      fail(source, "entry " + name + " appears twice");
  }
  return entries;
}

}  // namespace genvec
