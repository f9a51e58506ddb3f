#include "torch_pickle.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <utility>

namespace rwkv {

namespace {

struct Value;
using Ref = std::shared_ptr<Value>;

enum class Kind {
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kTuple,
  kList,
  kDict,
  kGlobal,
  kStorage,
  kTensor
};

struct Value {
  Kind kind = Kind::kNone;
  int64_t i = 0;                          // kBool, kInt; kStorage: number of elements
  double f = 0.0;                         // kFloat
  std::string s;                          // kString; kGlobal: "module.name"; kStorage: key
  DType dtype = DType::kF32;              // kStorage
  std::vector<Ref> items;                 // kTuple, kList
  std::vector<std::pair<Ref, Ref>> dict;  // kDict (insertion order)
  PickledTensor tensor;                   // kTensor
  int depth = 1;  // nesting depth, bounded so that destruction cannot overflow
};

// Nesting deeper than this is never needed by a state dict.
constexpr int kMaxDepth = 64;

// The globals a state dict may name, and the storage types' element types.
struct Allowed {
  const char* module;
  const char* name;
};
constexpr Allowed kAllowedGlobals[] = {
    {"collections", "OrderedDict"}, {"torch._utils", "_rebuild_tensor_v2"},
    {"torch", "FloatStorage"},      {"torch", "HalfStorage"},
    {"torch", "BFloat16Storage"},
};

bool StorageDType(const std::string& global, DType* out) {
  if (global == "torch.FloatStorage")
    *out = DType::kF32;
  else if (global == "torch.HalfStorage")
    *out = DType::kF16;
  else if (global == "torch.BFloat16Storage")
    *out = DType::kBF16;
  else
    return false;
  return true;
}

class Machine {
 public:
  Machine(const uint8_t* p, size_t n, const std::string& source) : p_(p), n_(n), source_(source) {}

  StatusOr<Ref> Run();

 private:
  Status Error(const std::string& what) const {
    return Status::Corruption(source_ + ": pickle byte " + std::to_string(op_at_) + ": " + what);
  }
  Status Need(size_t k) const {
    if (k > n_ - pos_) return Error("truncated pickle");
    return Status::Ok();
  }
  uint64_t ReadLE(int bytes) {
    uint64_t v = 0;
    for (int b = 0; b < bytes; ++b) v |= static_cast<uint64_t>(p_[pos_ + b]) << (8 * b);
    pos_ += static_cast<size_t>(bytes);
    return v;
  }
  Status Push(Ref v) {
    if (v->depth > kMaxDepth) return Error("objects nested too deeply");
    stack_.push_back(std::move(v));
    return Status::Ok();
  }
  StatusOr<Ref> Pop() {
    if (stack_.size() <= Floor()) return Error("stack underflow");
    Ref v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }
  // Pops everything above the last mark.
  StatusOr<std::vector<Ref>> PopMark() {
    if (marks_.empty()) return Error("no mark on the stack");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Ref> out(std::make_move_iterator(stack_.begin() + static_cast<long>(m)),
                         std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return out;
  }
  static Ref Make(Kind k) {
    auto v = std::make_shared<Value>();
    v->kind = k;
    return v;
  }
  static Ref Container(Kind k, std::vector<Ref> items) {
    Ref v = Make(k);
    for (const Ref& it : items) v->depth = std::max(v->depth, it->depth + 1);
    v->items = std::move(items);
    return v;
  }
  StatusOr<Ref> Top() {
    if (stack_.size() <= Floor()) return Error("stack underflow");
    return stack_.back();
  }
  Status SetItems(Ref dict, std::vector<Ref> kv) {
    if (dict->kind != Kind::kDict) return Error("SETITEM on something that is not a dict");
    if (kv.size() % 2) return Error("odd number of items for SETITEMS");
    for (size_t k = 0; k < kv.size(); k += 2) {
      dict->depth = std::max({dict->depth, kv[k]->depth + 1, kv[k + 1]->depth + 1});
      dict->dict.emplace_back(std::move(kv[k]), std::move(kv[k + 1]));
    }
    if (dict->depth > kMaxDepth) return Error("objects nested too deeply");
    return Status::Ok();
  }
  Status Global(const std::string& module, const std::string& name);
  Status Reduce();
  Status PersistentId();
  Status Memoize(uint64_t index) {
    ASSIGN_OR_RETURN(Ref v, Top());
    if (memo_.size() > n_) return Error("memo too large");
    memo_[index] = v;
    return Status::Ok();
  }
  Status MemoGet(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) return Error("memo entry " + std::to_string(index) + " not defined");
    return Push(it->second);
  }
  // A line-terminated argument (GLOBAL).
  StatusOr<std::string> Line() {
    const void* nl = std::memchr(p_ + pos_, '\n', n_ - pos_);
    if (!nl) return Error("truncated pickle");
    const size_t len = static_cast<const uint8_t*>(nl) - (p_ + pos_);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len + 1;
    return s;
  }
  Status PushString(size_t len) {
    RETURN_IF_ERROR(Need(len));
    Ref v = Make(Kind::kString);
    v->s.assign(reinterpret_cast<const char*>(p_ + pos_), len);
    pos_ += len;
    return Push(std::move(v));
  }

  const uint8_t* p_;
  size_t n_;
  const std::string& source_;
  size_t pos_ = 0;
  size_t op_at_ = 0;
  std::vector<Ref> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, Ref> memo_;
};

Status Machine::Global(const std::string& module, const std::string& name) {
  for (const Allowed& a : kAllowedGlobals) {
    if (module == a.module && name == a.name) {
      Ref g = Make(Kind::kGlobal);
      g->s = module + "." + name;
      return Push(std::move(g));
    }
  }
  return Status::Unsupported(source_ + ": the pickle asks for the global " + module + "." + name +
                             ", which a state dict of tensors never needs; refusing to load it "
                             "(allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, "
                             "torch.FloatStorage, torch.HalfStorage, torch.BFloat16Storage)");
}

Status Machine::PersistentId() {
  ASSIGN_OR_RETURN(Ref pid, Pop());
  // ('storage', storage_type, key, location, numel)
  if (pid->kind != Kind::kTuple || pid->items.size() != 5 || pid->items[0]->kind != Kind::kString ||
      pid->items[0]->s != "storage" || pid->items[1]->kind != Kind::kGlobal ||
      pid->items[2]->kind != Kind::kString || pid->items[4]->kind != Kind::kInt) {
    return Error("persistent id is not a torch storage reference");
  }
  Ref st = Make(Kind::kStorage);
  if (!StorageDType(pid->items[1]->s, &st->dtype)) {
    return Error(pid->items[1]->s + " is not a storage type");
  }
  st->s = pid->items[2]->s;
  st->i = pid->items[4]->i;
  return Push(std::move(st));
}

Status Machine::Reduce() {
  ASSIGN_OR_RETURN(Ref args, Pop());
  ASSIGN_OR_RETURN(Ref fn, Pop());
  if (fn->kind != Kind::kGlobal || args->kind != Kind::kTuple) {
    return Error("REDUCE needs a global and an argument tuple");
  }
  if (fn->s == "collections.OrderedDict") {
    if (!args->items.empty()) return Error("OrderedDict built with arguments");
    return Push(Make(Kind::kDict));
  }
  if (fn->s != "torch._utils._rebuild_tensor_v2") return Error(fn->s + " cannot be called");
  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[,
  // metadata])
  const auto& a = args->items;
  if (a.size() < 4 || a[0]->kind != Kind::kStorage || a[1]->kind != Kind::kInt ||
      a[2]->kind != Kind::kTuple || a[3]->kind != Kind::kTuple ||
      a[2]->items.size() != a[3]->items.size() || a[2]->items.size() > 8) {
    return Error("malformed _rebuild_tensor_v2 arguments");
  }
  Ref t = Make(Kind::kTensor);
  t->tensor.dtype = a[0]->dtype;
  t->tensor.storage_key = a[0]->s;
  t->tensor.storage_offset = a[1]->i;
  for (size_t d = 0; d < a[2]->items.size(); ++d) {
    if (a[2]->items[d]->kind != Kind::kInt || a[3]->items[d]->kind != Kind::kInt) {
      return Error("tensor size or stride is not an integer");
    }
    t->tensor.shape.push_back(a[2]->items[d]->i);
    t->tensor.stride.push_back(a[3]->items[d]->i);
  }
  return Push(std::move(t));
}

StatusOr<Ref> Machine::Run() {
  while (true) {
    op_at_ = pos_;
    RETURN_IF_ERROR(Need(1));
    const uint8_t op = p_[pos_++];
    switch (op) {
      case 0x80:  // PROTO
        RETURN_IF_ERROR(Need(1));
        if (p_[pos_] > 5) return Error("pickle protocol " + std::to_string(p_[pos_]));
        ++pos_;
        break;
      case 0x95:  // FRAME (a length hint; the frame's opcodes follow inline)
        RETURN_IF_ERROR(Need(8));
        pos_ += 8;
        break;
      case '.': {  // STOP
        ASSIGN_OR_RETURN(Ref v, Pop());
        return v;
      }
      case '(':  // MARK
        marks_.push_back(stack_.size());
        break;
      case '0':  // POP
        RETURN_IF_ERROR(Pop().status());
        break;
      case '1':  // POP_MARK
        RETURN_IF_ERROR(PopMark().status());
        break;
      case '2': {  // DUP
        ASSIGN_OR_RETURN(Ref v, Top());
        RETURN_IF_ERROR(Push(v));
        break;
      }
      case 'N':
        RETURN_IF_ERROR(Push(Make(Kind::kNone)));
        break;
      case 0x88:    // NEWTRUE
      case 0x89: {  // NEWFALSE
        Ref v = Make(Kind::kBool);
        v->i = op == 0x88;
        RETURN_IF_ERROR(Push(std::move(v)));
        break;
      }
      case 'K':    // BININT1
      case 'M':    // BININT2
      case 'J': {  // BININT (signed 32-bit)
        const int bytes = op == 'K' ? 1 : op == 'M' ? 2 : 4;
        RETURN_IF_ERROR(Need(static_cast<size_t>(bytes)));
        Ref v = Make(Kind::kInt);
        const uint64_t raw = ReadLE(bytes);
        v->i = op == 'J' ? static_cast<int32_t>(raw) : static_cast<int64_t>(raw);
        RETURN_IF_ERROR(Push(std::move(v)));
        break;
      }
      case 0x8a: {  // LONG1: little-endian two's complement of n bytes
        RETURN_IF_ERROR(Need(1));
        const int len = p_[pos_++];
        if (len > 8) return Error("integer wider than 64 bits");
        RETURN_IF_ERROR(Need(static_cast<size_t>(len)));
        uint64_t raw = ReadLE(len);
        if (len > 0 && len < 8 && (raw >> (8 * len - 1)) & 1) raw |= ~uint64_t{0} << (8 * len);
        Ref v = Make(Kind::kInt);
        v->i = static_cast<int64_t>(raw);
        RETURN_IF_ERROR(Push(std::move(v)));
        break;
      }
      case 'G': {  // BINFLOAT (big-endian double)
        RETURN_IF_ERROR(Need(8));
        uint64_t raw = 0;
        for (int b = 0; b < 8; ++b) raw = raw << 8 | p_[pos_ + b];
        pos_ += 8;
        Ref v = Make(Kind::kFloat);
        std::memcpy(&v->f, &raw, 8);
        RETURN_IF_ERROR(Push(std::move(v)));
        break;
      }
      case 0x8c:  // SHORT_BINUNICODE
      case 'U':   // SHORT_BINSTRING
      case 'C':   // SHORT_BINBYTES
        RETURN_IF_ERROR(Need(1));
        RETURN_IF_ERROR(PushString(p_[pos_++]));
        break;
      case 'X':     // BINUNICODE
      case 'T':     // BINSTRING
      case 'B':     // BINBYTES
      case 0x8d: {  // BINUNICODE8
        const int bytes = op == 0x8d ? 8 : 4;
        RETURN_IF_ERROR(Need(static_cast<size_t>(bytes)));
        const uint64_t len = ReadLE(bytes);
        if (len > n_) return Error("truncated pickle");
        RETURN_IF_ERROR(PushString(static_cast<size_t>(len)));
        break;
      }
      case ')':
        RETURN_IF_ERROR(Push(Make(Kind::kTuple)));
        break;  // EMPTY_TUPLE
      case ']':
        RETURN_IF_ERROR(Push(Make(Kind::kList)));
        break;  // EMPTY_LIST
      case '}':
        RETURN_IF_ERROR(Push(Make(Kind::kDict)));
        break;     // EMPTY_DICT
      case 't': {  // TUPLE
        ASSIGN_OR_RETURN(std::vector<Ref> items, PopMark());
        RETURN_IF_ERROR(Push(Container(Kind::kTuple, std::move(items))));
        break;
      }
      case 0x85:    // TUPLE1
      case 0x86:    // TUPLE2
      case 0x87: {  // TUPLE3
        std::vector<Ref> items(static_cast<size_t>(op - 0x84));
        for (size_t k = items.size(); k-- > 0;) {
          ASSIGN_OR_RETURN(items[k], Pop());
        }
        RETURN_IF_ERROR(Push(Container(Kind::kTuple, std::move(items))));
        break;
      }
      case 'l': {  // LIST
        ASSIGN_OR_RETURN(std::vector<Ref> items, PopMark());
        RETURN_IF_ERROR(Push(Container(Kind::kList, std::move(items))));
        break;
      }
      case 'a':    // APPEND
      case 'e': {  // APPENDS
        std::vector<Ref> items;
        if (op == 'a') {
          ASSIGN_OR_RETURN(Ref v, Pop());
          items.push_back(std::move(v));
        } else {
          ASSIGN_OR_RETURN(items, PopMark());
        }
        ASSIGN_OR_RETURN(Ref list, Top());
        if (list->kind != Kind::kList) return Error("APPEND to something that is not a list");
        for (Ref& it : items) {
          list->depth = std::max(list->depth, it->depth + 1);
          list->items.push_back(std::move(it));
        }
        if (list->depth > kMaxDepth) return Error("objects nested too deeply");
        break;
      }
      case 'd': {  // DICT
        ASSIGN_OR_RETURN(std::vector<Ref> kv, PopMark());
        Ref dict = Make(Kind::kDict);
        RETURN_IF_ERROR(SetItems(dict, std::move(kv)));
        RETURN_IF_ERROR(Push(std::move(dict)));
        break;
      }
      case 's': {  // SETITEM
        ASSIGN_OR_RETURN(Ref value, Pop());
        ASSIGN_OR_RETURN(Ref key, Pop());
        ASSIGN_OR_RETURN(Ref dict, Top());
        RETURN_IF_ERROR(SetItems(dict, {std::move(key), std::move(value)}));
        break;
      }
      case 'u': {  // SETITEMS
        ASSIGN_OR_RETURN(std::vector<Ref> kv, PopMark());
        ASSIGN_OR_RETURN(Ref dict, Top());
        RETURN_IF_ERROR(SetItems(dict, std::move(kv)));
        break;
      }
      case 'q':  // BINPUT
        RETURN_IF_ERROR(Need(1));
        RETURN_IF_ERROR(Memoize(ReadLE(1)));
        break;
      case 'r':  // LONG_BINPUT
        RETURN_IF_ERROR(Need(4));
        RETURN_IF_ERROR(Memoize(ReadLE(4)));
        break;
      case 0x94:  // MEMOIZE
        RETURN_IF_ERROR(Memoize(memo_.size()));
        break;
      case 'h':  // BINGET
        RETURN_IF_ERROR(Need(1));
        RETURN_IF_ERROR(MemoGet(ReadLE(1)));
        break;
      case 'j':  // LONG_BINGET
        RETURN_IF_ERROR(Need(4));
        RETURN_IF_ERROR(MemoGet(ReadLE(4)));
        break;
      case 'c': {  // GLOBAL "module\nname\n"
        ASSIGN_OR_RETURN(std::string module, Line());
        ASSIGN_OR_RETURN(std::string name, Line());
        RETURN_IF_ERROR(Global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        ASSIGN_OR_RETURN(Ref name, Pop());
        ASSIGN_OR_RETURN(Ref module, Pop());
        if (name->kind != Kind::kString || module->kind != Kind::kString) {
          return Error("STACK_GLOBAL needs two strings");
        }
        RETURN_IF_ERROR(Global(module->s, name->s));
        break;
      }
      case 'R':
        RETURN_IF_ERROR(Reduce());
        break;
      case 'Q':
        RETURN_IF_ERROR(PersistentId());
        break;     // BINPERSID
      case 'b': {  // BUILD: state for the object below; tensors and dicts need none
        ASSIGN_OR_RETURN(Ref state, Pop());
        ASSIGN_OR_RETURN(Ref obj, Top());
        const bool empty = state->kind == Kind::kNone ||
                           (state->kind == Kind::kDict && state->dict.empty()) ||
                           (state->kind == Kind::kTuple && state->items.empty());
        if (!empty) return Error("BUILD with object state is not part of a state dict");
        (void)obj;
        break;
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        return Status::Unsupported(source_ + ": pickle byte " + std::to_string(op_at_) +
                                   ": opcode " + hex +
                                   " is not used by a state dict of tensors; refusing it");
      }
    }
  }
}

}  // namespace

StatusOr<std::vector<PickledTensor>> ReadTorchStateDictPickle(const uint8_t* bytes, size_t size,
                                                              const std::string& source) {
  Machine m(bytes, size, source);
  ASSIGN_OR_RETURN(Ref top, m.Run());
  if (top->kind != Kind::kDict) {
    return Status::Corruption(source + ": the pickle does not hold a dict of tensors");
  }
  std::vector<PickledTensor> out;
  for (auto& [key, value] : top->dict) {
    if (key->kind != Kind::kString) {
      return Status::Corruption(source + ": a state-dict key is not a string");
    }
    if (value->kind != Kind::kTensor) continue;  // e.g. a version number stored beside weights
    PickledTensor t = value->tensor;
    t.name = key->s;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace rwkv
