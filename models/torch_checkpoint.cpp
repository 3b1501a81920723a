// PyTorch zip checkpoints, every offset checked: the archive's entries (models/zip_reader.h),
// a restricted pickle machine that rebuilds tensors without running any pickled code,
// and the tensor views it finds, mapped in place or copied row-major. See torch_checkpoint.h.
#include "models/torch_checkpoint.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>
#include <unordered_map>
#include <utility>

#include "common/errors.h"
#include "models/mapped_file.h"
#include "models/zip_reader.h"

namespace genvec {
namespace {

namespace fs = std::filesystem;
using Bytes = std::span<const uint8_t>;
using Entries = ZipEntries;

const char* const kCorruptHint =
    "the file is truncated or not a PyTorch checkpoint; download it again and compare checksums, "
    "or convert the model to safetensors";
const char* const kResaveHint =
    "re-save it with torch>=1.6 (torch.save(torch.load(f), f)) or convert it to safetensors";

constexpr int64_t kMaxDims = 64;
constexpr int64_t kMaxElements = int64_t{1} << 50;  // keeps bytes = elements * 8 far from overflow
// Non-contiguous tensors are copied; a stride-0 view could ask for far more memory than the file
// holds, so the copies may total at most twice the file plus this.
constexpr uint64_t kCopySlack = uint64_t{16} << 20;

[[noreturn]] void fail(const std::string& source, const std::string& what,
                       const std::string& hint = kCorruptHint) {
  throw IoError(source + ": " + what, hint);
}

// ---- The pickle machine (opcodes: CPython Lib/pickletools.py). Pickle is a program: GLOBAL +
// REDUCE calls any importable function, which is how a malicious .bin runs code under
// torch.load(weights_only=False). This machine never executes anything: it knows the few globals
// torch.save emits for a state dict, builds their results itself, and refuses every other name.

// The pickle opcodes this machine runs: those torch.save writes for a state dict (protocol 2)
// and their protocol 3-4 equivalents. Everything else is refused.
// clang-format off
enum Opcode : uint8_t {
  kProto = 0x80, kFrame = 0x95, kStop = '.', kMark = '(', kPop = '0', kPopMark = '1', kDup = '2',
  kBinPut = 'q', kLongBinPut = 'r', kMemoize = 0x94, kBinGet = 'h', kLongBinGet = 'j',
  kBinUnicode = 'X', kShortBinUnicode = 0x8c, kBinUnicode8 = 0x8d, kBinString = 'T',
  kShortBinString = 'U', kBinBytes = 'B', kShortBinBytes = 'C', kBinBytes8 = 0x8e,
  kBinInt = 'J', kBinInt1 = 'K', kBinInt2 = 'M', kLong1 = 0x8a, kLong4 = 0x8b, kBinFloat = 'G',
  kNone = 'N', kNewTrue = 0x88, kNewFalse = 0x89,
  kEmptyTuple = ')', kTuple = 't', kTuple1 = 0x85, kTuple2 = 0x86, kTuple3 = 0x87,
  kEmptyList = ']', kList = 'l', kAppend = 'a', kAppends = 'e',
  kEmptyDict = '}', kDict = 'd', kSetItem = 's', kSetItems = 'u',
  kGlobal = 'c', kStackGlobal = 0x93, kReduce = 'R', kNewObj = 0x81, kBuild = 'b', kBinPersId = 'Q',
};
// clang-format on

struct StorageType {
  const char* name;  // torch.<name>
  const char* dtype;
  int64_t element_size;
};
constexpr StorageType kStorageTypes[] = {
    {"FloatStorage", "F32", 4},  {"HalfStorage", "F16", 2}, {"BFloat16Storage", "BF16", 2},
    {"DoubleStorage", "F64", 8}, {"LongStorage", "I64", 8}, {"IntStorage", "I32", 4},
    {"ShortStorage", "I16", 2},  {"CharStorage", "I8", 1},  {"ByteStorage", "U8", 1},
    {"BoolStorage", "BOOL", 1}};

enum class Callable { ordered_dict, rebuild_tensor, rebuild_parameter };
const std::map<std::string, Callable>& callables() {
  static const std::map<std::string, Callable> table = {
      {"collections.OrderedDict", Callable::ordered_dict},
      {"torch._utils._rebuild_tensor_v2", Callable::rebuild_tensor},
      {"torch._utils._rebuild_parameter", Callable::rebuild_parameter},
      {"torch._utils._rebuild_parameter_with_state", Callable::rebuild_parameter}};
  return table;
}

using Ref = size_t;  // index into Unpickler::objects: the memo may share objects, even cyclically
// clang-format off
enum class Kind {
  none, boolean, integer, floating, string,  // Python values
  tuple, list, dict,                         // containers, their elements in Object::items
  callable, storage_type, storage, tensor    // whitelisted globals and what they build
};
// clang-format on
const char* kind_name(Kind kind) {
  static const char* const names[] = {"None",     "bool",         "int",     "float",
                                      "str",      "tuple",        "list",    "dict",
                                      "function", "storage type", "storage", "tensor"};
  return names[static_cast<int>(kind)];
}

struct Object {
  Kind kind = Kind::none;
  int64_t integer = 0;  // boolean, integer; the index for callable, storage_type, storage, tensor
  double floating = 0;
  std::string text;        // string; the qualified name of a callable
  std::vector<Ref> items;  // tuple, list; dict as key, value, key, value, ...
};

struct Storage {
  const StorageType* type;
  std::string key;
  Bytes bytes;  // exactly numel elements
};

struct TensorView {
  int64_t storage;  // index into Unpickler::storages
  int64_t offset;   // in elements
  std::vector<int64_t> size, stride;
};

class Unpickler {
 public:
  Unpickler(Bytes pickle, const Entries& entries, std::string prefix, const std::string& source)
      : pickle_(pickle), entries_(entries), prefix_(std::move(prefix)), source_(source) {}

  Ref run();

  std::vector<Object> objects;
  std::vector<Storage> storages;
  std::vector<TensorView> views;

 private:
  [[noreturn]] void fail(const std::string& what) const {
    genvec::fail(source_, prefix_ + "data.pkl byte " + std::to_string(opcode_at_) + ": " + what);
  }
  Bytes take(uint64_t count) {
    if (count > pickle_.size() - position_) fail("truncated: the pickle ends inside an opcode");
    const Bytes field = pickle_.subspan(position_, count);
    position_ += count;
    return field;
  }
  uint64_t take_le(int width) {
    const Bytes field = take(width);
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = value << 8 | field[i];
    return value;
  }
  std::string take_string(uint64_t length) {
    const Bytes field = take(length);
    return std::string(field.begin(), field.end());
  }
  std::string take_line();
  int64_t take_long(uint64_t length);

  Ref make(Object object) {
    objects.push_back(std::move(object));
    return objects.size() - 1;
  }
  Ref make(Kind kind, int64_t integer = 0) { return make(Object{kind, integer, 0, {}, {}}); }
  void push(Ref ref) { stack_.push_back(ref); }
  Ref peek() {
    const Ref ref = pop();
    push(ref);
    return ref;
  }
  Ref pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("pops an empty stack");
    const Ref ref = stack_.back();
    stack_.pop_back();
    return ref;
  }
  Object& top(Kind kind, const char* opcode) {
    const Ref ref = peek();
    if (objects[ref].kind != kind)
      fail(std::string(opcode) + " needs a " + kind_name(kind) + ", found a " +
           kind_name(objects[ref].kind));
    return objects[ref];
  }
  std::vector<Ref> pop_mark() {
    if (marks_.empty()) fail("no MARK to pop back to");
    std::vector<Ref> items(stack_.begin() + marks_.back(), stack_.end());
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  const Object& expect(Ref ref, Kind kind, const std::string& what) const {
    if (objects[ref].kind != kind)
      fail(what + " must be a " + kind_name(kind) + ", not a " + kind_name(objects[ref].kind));
    return objects[ref];
  }
  std::vector<int64_t> int_tuple(Ref ref, const std::string& what) const;

  Ref global(const std::string& module, const std::string& name);
  Ref call(Ref callable, Ref args);
  Ref rebuild_tensor(const std::vector<Ref>& args);
  Ref persistent_load(Ref pid);

  Bytes pickle_;
  const Entries& entries_;
  std::string prefix_;  // "<archive>/"
  const std::string& source_;
  uint64_t position_ = 0;
  uint64_t opcode_at_ = 0;
  std::vector<Ref> stack_;
  std::vector<size_t> marks_;  // stack sizes at each open MARK
  std::unordered_map<uint64_t, Ref> memo_;
};

std::string Unpickler::take_line() {
  const Bytes rest = pickle_.subspan(position_);
  const auto newline = std::find(rest.begin(), rest.end(), uint8_t{'\n'});
  if (newline == rest.end()) fail("truncated: GLOBAL has no end of line");
  const std::string line = take_string(newline - rest.begin());
  position_ += 1;
  return line;
}

// LONG1/LONG4: a little-endian two's-complement integer of `length` bytes.
int64_t Unpickler::take_long(uint64_t length) {
  if (length > 8) fail("an integer wider than 64 bits");
  if (length == 0) return 0;
  uint64_t value = take_le(static_cast<int>(length));
  if (length < 8 && (value >> (8 * length - 1)) & 1) value |= ~uint64_t{0} << (8 * length);
  return static_cast<int64_t>(value);
}

std::vector<int64_t> Unpickler::int_tuple(Ref ref, const std::string& what) const {
  const std::vector<Ref>& items = expect(ref, Kind::tuple, what).items;
  if (static_cast<int64_t>(items.size()) > kMaxDims)
    fail(what + " has " + std::to_string(items.size()) + " dimensions");
  std::vector<int64_t> values;
  for (Ref item : items) values.push_back(expect(item, Kind::integer, what + " element").integer);
  return values;
}

Ref Unpickler::global(const std::string& module, const std::string& name) {
  const std::string qualified = module + "." + name;
  if (auto it = callables().find(qualified); it != callables().end())
    return make(Object{Kind::callable, static_cast<int64_t>(it->second), 0, qualified, {}});
  if (module == "torch")
    for (const StorageType& type : kStorageTypes)
      if (name == type.name) return make(Kind::storage_type, &type - kStorageTypes);
  throw IoError(source_ + ": refuses to load: its pickle calls " + qualified +
                    ", which is not a tensor or state-dict constructor (loading it with torch "
                    "would run that code)",
                "only load checkpoints you trust; a plain state dict of tensors needs no other "
                "global; convert trusted files to safetensors");
}

Ref Unpickler::call(Ref callable, Ref args_ref) {
  const std::vector<Ref> args = expect(args_ref, Kind::tuple, "REDUCE arguments").items;
  switch (static_cast<Callable>(expect(callable, Kind::callable, "REDUCE callable").integer)) {
    case Callable::ordered_dict:
      if (!args.empty()) fail("OrderedDict is called with arguments");
      return make(Kind::dict);
    case Callable::rebuild_tensor:
      return rebuild_tensor(args);
    case Callable::rebuild_parameter:
      // (data, requires_grad, backward_hooks[, state]): a Parameter is its data tensor here.
      if (args.size() < 3 || args.size() > 4) fail("_rebuild_parameter takes 3 or 4 arguments");
      expect(args[0], Kind::tensor, "a Parameter's data");
      return args[0];
  }
  fail("unreachable callable");
}

// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks
// [, metadata]). Bounds are checked when the tensor's name is known (materialize below).
Ref Unpickler::rebuild_tensor(const std::vector<Ref>& args) {
  if (args.size() < 6 || args.size() > 7) fail("_rebuild_tensor_v2 takes 6 or 7 arguments");
  if (args.size() == 7) {
    const Object& metadata = objects[args[6]];
    if (metadata.kind != Kind::none && !(metadata.kind == Kind::dict && metadata.items.empty()))
      fail("tensor metadata (a conjugate or negative bit) is not supported");
  }
  TensorView view;
  view.storage = expect(args[0], Kind::storage, "a tensor's storage").integer;
  view.offset = expect(args[1], Kind::integer, "a tensor's storage offset").integer;
  view.size = int_tuple(args[2], "a tensor's size");
  view.stride = int_tuple(args[3], "a tensor's stride");
  if (view.size.size() != view.stride.size()) fail("a tensor's size and stride differ in length");
  views.push_back(std::move(view));
  return make(Kind::tensor, static_cast<int64_t>(views.size() - 1));
}

// The persistent id torch.save writes for a storage: ('storage', torch.<T>Storage, key,
// location, numel); its bytes are the entry <prefix>/data/<key>. The location ("cpu", "cuda:0")
// does not change the bytes, so a checkpoint saved from a GPU reads the same.
Ref Unpickler::persistent_load(Ref pid) {
  const std::vector<Ref>& items = expect(pid, Kind::tuple, "a persistent id").items;
  if (items.size() != 5 || objects[items[0]].kind != Kind::string ||
      objects[items[0]].text != "storage")
    fail("a persistent id is not ('storage', type, key, location, numel)");
  const StorageType& type =
      kStorageTypes[expect(items[1], Kind::storage_type, "a storage's type").integer];
  const std::string& key = expect(items[2], Kind::string, "a storage key").text;
  const int64_t numel = expect(items[4], Kind::integer, "a storage's size").integer;
  const auto entry = entries_.find(prefix_ + "data/" + key);
  if (entry == entries_.end()) fail("storage " + key + " has no entry " + prefix_ + "data/" + key);
  if (numel < 0 || static_cast<uint64_t>(numel) > entry->second.size() / type.element_size)
    fail("storage " + key + " claims " + std::to_string(numel) + " " + type.dtype +
         " elements, but its entry holds " + std::to_string(entry->second.size()) + " bytes");
  storages.push_back({&type, key, entry->second.first(numel * type.element_size)});
  return make(Kind::storage, static_cast<int64_t>(storages.size() - 1));
}

Ref Unpickler::run() {
  // None and booleans are immutable, so one object each serves every use.
  const Ref none = make(Kind::none), no = make(Kind::boolean, 0), yes = make(Kind::boolean, 1);
  auto string = [&](uint64_t length) {
    return make(Object{Kind::string, 0, 0, take_string(length), {}});
  };
  auto container = [&](Kind kind, std::vector<Ref> items) {
    return make(Object{kind, 0, 0, {}, std::move(items)});
  };
  auto pairs = [&](std::vector<Ref> items, const char* opcode) {
    if (items.size() % 2) fail(std::string(opcode) + " has a key without a value");
    return items;
  };
  auto memoize = [&](uint64_t index) { memo_[index] = peek(); };
  auto recall = [&](uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
    return it->second;
  };
  while (true) {
    opcode_at_ = position_;
    const uint8_t opcode = take(1)[0];
    // clang-format off
    switch (opcode) {
      case kProto: take(1); break;  // the opcodes themselves say what is supported
      case kFrame: take(8); break;  // a read-ahead hint
      case kStop: return pop();
      case kMark: marks_.push_back(stack_.size()); break;
      case kPop: pop(); break;
      case kPopMark: pop_mark(); break;
      case kDup: push(peek()); break;
      case kBinPut: memoize(take_le(1)); break;
      case kLongBinPut: memoize(take_le(4)); break;
      case kMemoize: memoize(memo_.size()); break;
      case kBinGet: push(recall(take_le(1))); break;
      case kLongBinGet: push(recall(take_le(4))); break;
      // Text and bytes alike become strings; BINSTRING's negative lengths read as too long.
      case kBinUnicode: case kBinString: case kBinBytes: push(string(take_le(4))); break;
      case kShortBinUnicode: case kShortBinString: case kShortBinBytes:
        push(string(take_le(1))); break;
      case kBinUnicode8: case kBinBytes8: push(string(take_le(8))); break;
      case kBinInt: push(make(Kind::integer, static_cast<int32_t>(take_le(4)))); break;
      case kBinInt1: push(make(Kind::integer, take_le(1))); break;
      case kBinInt2: push(make(Kind::integer, take_le(2))); break;
      case kLong1: push(make(Kind::integer, take_long(take_le(1)))); break;
      case kLong4: push(make(Kind::integer, take_long(take_le(4)))); break;
      case kBinFloat: {  // a big-endian IEEE double
        uint64_t bits = 0;
        for (uint8_t byte : take(8)) bits = bits << 8 | byte;
        Object number{Kind::floating, 0, 0, {}, {}};
        std::memcpy(&number.floating, &bits, sizeof bits);
        push(make(std::move(number)));
        break;
      }
      case kNone: push(none); break;
      case kNewTrue: push(yes); break;
      case kNewFalse: push(no); break;
      case kEmptyTuple: push(container(Kind::tuple, {})); break;
      case kTuple: push(container(Kind::tuple, pop_mark())); break;
      case kTuple1: case kTuple2: case kTuple3: {
        std::vector<Ref> items(opcode - kTuple1 + 1);
        for (size_t i = items.size(); i-- > 0;) items[i] = pop();
        push(container(Kind::tuple, std::move(items)));
        break;
      }
      case kEmptyList: push(container(Kind::list, {})); break;
      case kList: push(container(Kind::list, pop_mark())); break;
      case kAppend: {
        const Ref item = pop();
        top(Kind::list, "APPEND").items.push_back(item);
        break;
      }
      case kAppends: {
        const std::vector<Ref> items = pop_mark();
        std::vector<Ref>& list = top(Kind::list, "APPENDS").items;
        list.insert(list.end(), items.begin(), items.end());
        break;
      }
      case kEmptyDict: push(container(Kind::dict, {})); break;
      case kDict: push(container(Kind::dict, pairs(pop_mark(), "DICT"))); break;
      case kSetItem: {
        const Ref value = pop(), key = pop();
        std::vector<Ref>& dict = top(Kind::dict, "SETITEM").items;
        dict.push_back(key);
        dict.push_back(value);
        break;
      }
      case kSetItems: {
        const std::vector<Ref> items = pairs(pop_mark(), "SETITEMS");
        std::vector<Ref>& dict = top(Kind::dict, "SETITEMS").items;
        dict.insert(dict.end(), items.begin(), items.end());
        break;
      }
      case kGlobal: {  // "module\nname\n"
        const std::string module = take_line();
        push(global(module, take_line()));
        break;
      }
      case kStackGlobal: {
        const std::string name = expect(pop(), Kind::string, "STACK_GLOBAL name").text;
        const std::string module = expect(pop(), Kind::string, "STACK_GLOBAL module").text;
        push(global(module, name));
        break;
      }
      case kReduce: {  // callable(*args)
        const Ref args = pop();
        push(call(pop(), args));
        break;
      }
      case kNewObj: {  // cls.__new__(cls, *args): only OrderedDict is ever built this way
        pop();
        const Ref cls = pop();
        if (static_cast<Callable>(expect(cls, Kind::callable, "NEWOBJ class").integer) !=
            Callable::ordered_dict)
          fail("NEWOBJ of " + objects[cls].text);
        push(container(Kind::dict, {}));
        break;
      }
      case kBuild:  // instance attributes, such as the _metadata of state_dict()'s OrderedDict
        pop();
        top(Kind::dict, "BUILD");
        break;
      case kBinPersId: push(persistent_load(pop())); break;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", opcode);
        fail(std::string("unsupported pickle opcode ") + hex +
             " (torch.save of a state dict never writes it)");
      }
    }
    // clang-format on
  }
}

// Joins a size or stride for messages: "[2, 3]".
std::string dims_text(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i ? ", " : "") + std::to_string(values[i]);
  return text + "]";
}

// The tensor `view` names, checked against its storage: mapped in place when row-major (torch's
// is_contiguous: strides of size-1 dimensions do not matter), else copied row-major into `out`.
SafetensorsTensor materialize(const std::string& name, const TensorView& view,
                              const Storage& storage, uint64_t& copy_budget,
                              TorchCheckpointFile& out) {
  auto bad = [&](const std::string& why, const std::string& hint = kCorruptHint) {
    fail(out.source,
         "tensor '" + name + "' (size " + dims_text(view.size) + ", stride " +
             dims_text(view.stride) + ", offset " + std::to_string(view.offset) + ") " + why,
         hint);
  };
  SafetensorsTensor tensor;
  tensor.name = name;
  tensor.dtype = storage.type->dtype;
  tensor.element_size = storage.type->element_size;
  tensor.shape = view.size;
  const size_t rank = view.size.size();
  int64_t numel = 1;
  for (size_t d = 0; d < rank; ++d) {
    if (view.size[d] < 0 || view.stride[d] < 0) bad("has a negative size or stride");
    if (view.size[d] > 0 && numel > kMaxElements / view.size[d]) bad("has an impossible size");
    numel *= view.size[d];
  }
  if (view.offset < 0) bad("has a negative storage offset");
  tensor.num_elements = numel;
  tensor.num_bytes = numel * tensor.element_size;
  tensor.data = storage.bytes.data();
  if (numel == 0) return tensor;

  int64_t last = view.offset;  // the furthest element the view reaches
  for (size_t d = 0; d < rank; ++d) {
    int64_t reach;
    if (__builtin_mul_overflow(view.size[d] - 1, view.stride[d], &reach) ||
        __builtin_add_overflow(last, reach, &last))
      bad("reaches past any storage");
  }
  const int64_t storage_numel = storage.bytes.size() / tensor.element_size;
  if (last >= storage_numel)
    bad("reaches element " + std::to_string(last) + " of storage " + storage.key +
        ", which holds " + std::to_string(storage_numel));

  bool contiguous = true;
  int64_t row_major_stride = 1;
  for (size_t d = rank; d-- > 0;) {
    if (view.size[d] != 1 && view.stride[d] != row_major_stride) contiguous = false;
    row_major_stride *= view.size[d];
  }
  if (contiguous) {
    tensor.data += view.offset * tensor.element_size;
    return tensor;
  }
  if (static_cast<uint64_t>(tensor.num_bytes) > copy_budget)
    bad("is a view that would take " + std::to_string(tensor.num_bytes) +
            " bytes to copy row-major, more than the file holds",
        "re-save it with contiguous tensors ({k: v.contiguous() for k, v in sd.items()}) or "
        "convert it to safetensors");
  copy_budget -= tensor.num_bytes;
  out.copies.emplace_back(new uint8_t[tensor.num_bytes]);
  uint8_t* const copy = out.copies.back().get();
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0, at = view.offset; i < numel; ++i) {
    std::memcpy(copy + i * tensor.element_size, tensor.data + at * tensor.element_size,
                tensor.element_size);
    for (size_t d = rank; d-- > 0;) {  // an odometer: the last dimension turns fastest
      if (++index[d] < view.size[d]) {
        at += view.stride[d];
        break;
      }
      index[d] = 0;
      at -= (view.size[d] - 1) * view.stride[d];
    }
  }
  tensor.data = copy;
  return tensor;
}

}  // namespace

TorchCheckpointFile torch_checkpoint_parse(Bytes bytes, const std::string& source) {
  // Before 1.6 (and with _use_new_zipfile_serialization=False) torch.save wrote bare pickles
  // starting with PROTO 2 and a magic number, storages appended in its own layout.
  if (bytes.size() >= 2 && bytes[0] == 0x80 && bytes[1] == 0x02)
    fail(source, "is a legacy (pre-1.6, non-zip) PyTorch checkpoint, which genvec cannot read",
         kResaveHint);
  const Entries entries = zip_stored_entries(bytes, source);
  std::string prefix;  // "<archive>/": torch names it after the file it saved to
  for (const auto& [name, data] : entries) {
    const size_t slash = name.find('/');
    if (slash == std::string::npos || name.compare(slash, std::string::npos, "/data.pkl") != 0)
      continue;
    if (!prefix.empty()) fail(source, "holds more than one <archive>/data.pkl");
    prefix = name.substr(0, slash + 1);
  }
  if (prefix.empty())
    fail(source, "is a zip file without <archive>/data.pkl, so not a torch.save checkpoint");
  if (const auto order = entries.find(prefix + "byteorder"); order != entries.end()) {
    const std::string text(order->second.begin(),
                           order->second.begin() + std::min<size_t>(order->second.size(), 16));
    if (text == "big")
      fail(source, "was written on a big-endian machine",
           "load and re-save it on a little-endian machine, or convert it to safetensors there");
    if (text != "little") fail(source, "has an unknown byteorder '" + text + "'");
  }

  Unpickler machine(entries.at(prefix + "data.pkl"), entries, prefix, source);
  const Object& root = machine.objects[machine.run()];
  const char* const flat_hint =
      "genvec reads a flat dict of name -> tensor, as Hugging Face's pytorch_model.bin holds; "
      "save model.state_dict() or convert the model to safetensors";
  if (root.kind != Kind::dict)
    fail(source, std::string("holds a ") + kind_name(root.kind) + ", not a state dict", flat_hint);
  TorchCheckpointFile out;
  out.source = source;
  uint64_t copy_budget = 2 * bytes.size() + kCopySlack;
  std::set<std::string> names;
  for (size_t i = 0; i < root.items.size(); i += 2) {
    const Object& key = machine.objects[root.items[i]];
    const Object& value = machine.objects[root.items[i + 1]];
    if (key.kind != Kind::string)
      fail(source, std::string("has a state-dict key that is a ") + kind_name(key.kind), flat_hint);
    if (value.kind == Kind::dict && (key.text == "state_dict" || key.text == "model"))
      fail(source,
           "is a training checkpoint: its tensors are in the nested dict '" + key.text + "'",
           "save them alone: torch.save(torch.load(f)['" + key.text + "'], 'pytorch_model.bin')");
    if (value.kind != Kind::tensor)
      fail(source, "entry '" + key.text + "' is a " + kind_name(value.kind) + ", not a tensor",
           flat_hint);
    if (!names.insert(key.text).second) fail(source, "tensor '" + key.text + "' appears twice");
    const TensorView& view = machine.views[value.integer];
    out.tensors.push_back(
        materialize(key.text, view, machine.storages[view.storage], copy_budget, out));
  }
  return out;
}

TorchCheckpoint::TorchCheckpoint(const fs::path& file)
    : file_(std::make_unique<MappedFile>(file)),
      parsed_(torch_checkpoint_parse(file_->bytes(), file.string())) {
  for (const SafetensorsTensor& tensor : parsed_.tensors) by_name_.emplace(tensor.name, &tensor);
}

TorchCheckpoint::~TorchCheckpoint() = default;

const SafetensorsTensor* TorchCheckpoint::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace genvec
