// Byte-level BPE (GPT-2 / GPT-NeoX style) read from a Hugging Face tokenizer.json.
#include <algorithm>
#include <climits>
#include <fstream>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>

#include "gpt2_pretokenize.h"
#include "rwkv/tokenizer.h"
#include "utf8.h"

namespace rwkv {

namespace {

using nlohmann::json;

constexpr const char* kReplacementCharacter = "\xef\xbf\xbd";  // U+FFFD in UTF-8

// GPT-2's bytes_to_unicode: bytes that are printable Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ')
// stand for themselves; the other 68 bytes map, in increasing order, to U+0100, U+0101, ...
// Returns the byte each such code point stands for (-1 if none), indexed by code point.
std::vector<int> UnicodeToByte() {
  std::vector<int> to_byte(256 + 68, -1);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
    to_byte[printable ? b : next++] = b;
  }
  return to_byte;
}

// Converts a vocabulary spelling in the byte-to-unicode alphabet back to bytes.
bool SpellingToBytes(std::string_view spelling, const std::vector<int>& to_byte,
                     std::string* bytes) {
  bytes->clear();
  const auto* p = reinterpret_cast<const unsigned char*>(spelling.data());
  for (size_t i = 0; i < spelling.size();) {
    size_t len = 1;
    const int32_t cp = utf8::Decode(p + i, spelling.size() - i, &len);
    if (cp < 0 || cp >= static_cast<int32_t>(to_byte.size()) || to_byte[cp] < 0) return false;
    bytes->push_back(static_cast<char>(to_byte[cp]));
    i += len;
  }
  return !bytes->empty();
}

// A set of literal strings found in text by leftmost-longest matching (a small byte trie).
class LiteralMatcher {
 public:
  void Add(const std::string& text, int32_t id) {
    int32_t node = 0;
    for (unsigned char b : text) {
      auto [it, fresh] = nodes_[node].children.emplace(b, static_cast<int32_t>(nodes_.size()));
      const int32_t next = it->second;
      if (fresh) nodes_.emplace_back();
      node = next;
    }
    nodes_[node].id = id;
    first_byte_[static_cast<unsigned char>(text[0])] = true;
  }
  bool empty() const { return nodes_.size() == 1; }

  // Finds the leftmost match in text[from..]; returns its start (npos if none), its length in
  // *len and its id in *id. Among matches at the same start the longest wins.
  size_t Find(std::string_view text, size_t from, size_t* len, int32_t* id) const {
    for (size_t start = from; start < text.size(); ++start) {
      if (!first_byte_[static_cast<unsigned char>(text[start])]) continue;
      int32_t node = 0;
      *len = 0;
      for (size_t i = start; i < text.size(); ++i) {
        auto it = nodes_[node].children.find(static_cast<unsigned char>(text[i]));
        if (it == nodes_[node].children.end()) break;
        node = it->second;
        if (nodes_[node].id >= 0) *len = i + 1 - start, *id = nodes_[node].id;
      }
      if (*len > 0) return start;
    }
    return std::string_view::npos;
  }

 private:
  struct Node {
    int32_t id = -1;
    std::unordered_map<unsigned char, int32_t> children;
  };
  std::vector<Node> nodes_ = std::vector<Node>(1);
  bool first_byte_[256] = {};
};

struct BpeMerge {
  int32_t rank;
  int32_t result;  // id of the merged token
};

// Merges keyed by the pair of token ids, in an open-addressing table (lookups dominate
// encoding time).
class MergeTable {
 public:
  // REQUIRES: called before any Put, with at least the number of distinct pairs to come.
  void Reserve(size_t n) {
    size_t size = 16;
    while (size < 2 * n) size *= 2;
    slots_.assign(size, Slot{});
    mask_ = size - 1;
  }
  // Adds or replaces the merge of (left, right).
  void Put(int32_t left, int32_t right, BpeMerge merge) {
    const uint64_t key = Key(left, right);
    size_t i = Hash(key) & mask_;
    while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask_;
    slots_[i] = Slot{key, merge};
  }
  const BpeMerge* Find(int32_t left, int32_t right) const {
    const uint64_t key = Key(left, right);
    for (size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i].merge;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are below 2^24: never a real key
  struct Slot {
    uint64_t key = kEmpty;
    BpeMerge merge{0, 0};
  };
  static uint64_t Key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  // The finalizer of MurmurHash3: spreads both ids over all bits.
  static uint64_t Hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
  }
  std::vector<Slot> slots_ = std::vector<Slot>(1);
  size_t mask_ = 0;
};

// Everything a byte-level BPE tokenizer reads from its file.
struct BpeVocabulary {
  std::string name;
  std::vector<std::string> tokens;  // bytes by id ("" for unused ids)
  int32_t byte_ids[256] = {};       // id of each single byte
  MergeTable merges;
  LiteralMatcher raw_added, normalized_added;  // added tokens matched before/after NFC
  bool normalize_nfc = false;
  bool has_absent_bytes = false;  // some byte has no single-byte token (byte_ids[b] < 0)
};

class BpeTokenizer : public Tokenizer {
 public:
  explicit BpeTokenizer(BpeVocabulary v) : v_(std::move(v)) {}

  std::string name() const override { return v_.name; }
  int vocab_size() const override { return static_cast<int>(v_.tokens.size()); }
  std::string TokenBytes(int32_t id) const override {
    if (id < 0 || static_cast<size_t>(id) >= v_.tokens.size()) return "";
    return v_.tokens[id];
  }

  std::vector<int32_t> Encode(std::string_view text) const override {
    std::string replaced;
    if (v_.has_absent_bytes) text = ReplaceAbsentBytes(text, &replaced);
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 4 + 1);
    // Added tokens that match the raw text, then those that match the normalized text.
    SplitOnAdded(text, v_.raw_added, &ids, [&](std::string_view piece) {
      const std::string normalized = v_.normalize_nfc ? NormalizeNfc(piece) : std::string(piece);
      SplitOnAdded(normalized, v_.normalized_added, &ids,
                   [&](std::string_view rest) { EncodeOrdinary(rest, &ids); });
    });
    return ids;
  }

 private:
  // Returns `text`, or a copy in *storage with every byte that has no token replaced by U+FFFD
  // (such bytes never occur in well-formed UTF-8).
  std::string_view ReplaceAbsentBytes(std::string_view text, std::string* storage) const {
    size_t i = 0;
    while (i < text.size() && v_.byte_ids[static_cast<unsigned char>(text[i])] >= 0) ++i;
    if (i == text.size()) return text;
    storage->assign(text.substr(0, i));
    for (; i < text.size(); ++i) {
      if (v_.byte_ids[static_cast<unsigned char>(text[i])] >= 0) {
        storage->push_back(text[i]);
      } else {
        storage->append(kReplacementCharacter);
      }
    }
    return *storage;
  }

  template <typename Fn>
  static void SplitOnAdded(std::string_view text, const LiteralMatcher& added,
                           std::vector<int32_t>* ids, Fn&& between) {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t len = 0;
      int32_t id = -1;
      const size_t at = added.empty() ? std::string_view::npos : added.Find(text, pos, &len, &id);
      if (at == std::string_view::npos) {
        between(text.substr(pos));
        return;
      }
      if (at > pos) between(text.substr(pos, at - pos));
      ids->push_back(id);
      pos = at + len;
    }
  }

  void EncodeOrdinary(std::string_view text, std::vector<int32_t>* ids) const {
    std::vector<std::string_view> words;
    SplitGpt2(text, &words);
    for (std::string_view w : words) MergeWord(w, ids);
  }

  const BpeMerge* FindMerge(int32_t left, int32_t right) const {
    return v_.merges.Find(left, right);
  }

  // Ranked BPE: starting from single bytes, repeatedly applies the lowest-ranked merge among
  // adjacent symbols (the leftmost one on ties) until no adjacent pair has a merge.
  void MergeWord(std::string_view word, std::vector<int32_t>* ids) const {
    const size_t n = word.size();
    if (n == 1) {
      ids->push_back(v_.byte_ids[static_cast<unsigned char>(word[0])]);
    } else if (n <= kShortWord) {
      MergeShortWord(word, ids);
    } else {
      MergeLongWord(word, ids);
    }
  }

  // Words up to this many bytes are merged by rescanning a small array (no allocation); longer
  // ones with a priority queue, so that adversarial inputs stay O(n log n).
  static constexpr size_t kShortWord = 48;
  static constexpr int32_t kNoMerge = INT32_MAX;

  void MergeShortWord(std::string_view word, std::vector<int32_t>* ids) const {
    int32_t sym[kShortWord], rank[kShortWord], result[kShortWord];
    size_t n = word.size();
    for (size_t i = 0; i < n; ++i) sym[i] = v_.byte_ids[static_cast<unsigned char>(word[i])];
    // rank[i], result[i]: the merge of sym[i] and sym[i + 1], if any.
    auto pair_at = [&](size_t i) {
      const BpeMerge* m = FindMerge(sym[i], sym[i + 1]);
      rank[i] = m ? m->rank : kNoMerge;
      result[i] = m ? m->result : -1;
    };
    for (size_t i = 0; i + 1 < n; ++i) pair_at(i);
    while (n > 1) {
      size_t best = 0;
      for (size_t i = 1; i + 1 < n; ++i) {
        if (rank[i] < rank[best]) best = i;
      }
      if (rank[best] == kNoMerge) break;
      sym[best] = result[best];
      for (size_t i = best + 1; i + 1 < n; ++i) {
        sym[i] = sym[i + 1];
        rank[i] = rank[i + 1];
        result[i] = result[i + 1];
      }
      --n;
      if (best + 1 < n) pair_at(best);
      if (best > 0) pair_at(best - 1);
    }
    ids->insert(ids->end(), sym, sym + n);
  }

  void MergeLongWord(std::string_view word, std::vector<int32_t>* ids) const {
    const size_t n = word.size();
    std::vector<int32_t> sym(n), prev(n), next(n);
    for (size_t i = 0; i < n; ++i) {
      sym[i] = v_.byte_ids[static_cast<unsigned char>(word[i])];
      prev[i] = static_cast<int32_t>(i) - 1;
      next[i] = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
    }
    struct Candidate {
      int32_t rank, pos, right;
      bool operator>(const Candidate& o) const {
        return rank != o.rank ? rank > o.rank : pos > o.pos;
      }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
    auto consider = [&](int32_t pos) {
      if (pos < 0 || next[pos] < 0) return;
      if (const BpeMerge* m = FindMerge(sym[pos], sym[next[pos]])) {
        queue.push({m->rank, pos, next[pos]});
      }
    };
    for (size_t i = 0; i + 1 < n; ++i) consider(static_cast<int32_t>(i));
    while (!queue.empty()) {
      const Candidate c = queue.top();
      queue.pop();
      // Stale when either symbol was merged away or changed since the candidate was made.
      if (sym[c.pos] < 0 || next[c.pos] != c.right) continue;
      const BpeMerge* m = FindMerge(sym[c.pos], sym[c.right]);
      if (!m || m->rank != c.rank) continue;
      sym[c.pos] = m->result;
      sym[c.right] = -1;
      next[c.pos] = next[c.right];
      if (next[c.pos] >= 0) prev[next[c.pos]] = c.pos;
      consider(prev[c.pos]);
      consider(c.pos);
    }
    for (int32_t i = 0; i >= 0; i = next[i]) ids->push_back(sym[i]);
  }

  BpeVocabulary v_;
};

Status CheckByteLevel(const json& step, const char* what) {
  if (step.is_null()) return Status::Ok();
  if (!step.is_object() || step.value("type", "") != "ByteLevel") {
    return Status::Unsupported(std::string(what) + " " + step.dump() +
                               " (only ByteLevel is supported)");
  }
  if (step.value("add_prefix_space", false)) {
    return Status::Unsupported(std::string(what) + " with add_prefix_space");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<Tokenizer>> LoadBpeTokenizer(const std::string& path,
                                                      const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the tokenizer file");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    return Status::Corruption(path + ": not valid JSON: " + e.what());
  }
  BpeVocabulary v;
  v.name = name.empty() ? path : name;
  try {
    const json& model = j.at("model");
    if (model.value("type", "") != "BPE") {
      return Status::Unsupported(path + ": model type '" + model.value("type", "") +
                                 "' (only BPE is supported)");
    }
    const json& normalizer = j.contains("normalizer") ? j["normalizer"] : json();
    if (!normalizer.is_null()) {
      if (normalizer.value("type", "") != "NFC") {
        return Status::Unsupported(path + ": normalizer " + normalizer.dump() +
                                   " (only NFC is supported)");
      }
      v.normalize_nfc = true;
    }
    RETURN_IF_ERROR(
        CheckByteLevel(j.value("pre_tokenizer", json()), "pre_tokenizer").WithContext(path));
    RETURN_IF_ERROR(CheckByteLevel(j.value("decoder", json()), "decoder").WithContext(path));

    const std::vector<int> to_byte = UnicodeToByte();
    std::unordered_map<std::string, int32_t> id_of;  // bytes -> id
    std::string bytes;
    for (const auto& [spelling, id_json] : model.at("vocab").items()) {
      const int64_t id = id_json.get<int64_t>();
      if (id < 0 || id > (1 << 24)) {
        return Status::Corruption(path + ": vocab entry '" + spelling + "' has id " +
                                  std::to_string(id));
      }
      if (!SpellingToBytes(spelling, to_byte, &bytes)) {
        return Status::Corruption(path + ": vocab entry '" + spelling +
                                  "' is not in the byte-level alphabet");
      }
      if (static_cast<size_t>(id) >= v.tokens.size()) v.tokens.resize(id + 1);
      v.tokens[id] = bytes;
      id_of[bytes] = static_cast<int32_t>(id);
    }
    // Byte-level vocabularies may lack the bytes that never occur in UTF-8 (C0, C1, F5..FF);
    // those must then be replaceable by U+FFFD.
    for (int b = 0; b < 256; ++b) {
      auto it = id_of.find(std::string(1, static_cast<char>(b)));
      v.byte_ids[b] = it == id_of.end() ? -1 : it->second;
      v.has_absent_bytes |= it == id_of.end();
    }
    for (unsigned char b : std::string_view(kReplacementCharacter)) {
      if (v.has_absent_bytes && v.byte_ids[b] < 0) {
        return Status::Corruption(path + ": the vocabulary lacks the single byte " +
                                  std::to_string(b));
      }
    }
    const json& merges = model.at("merges");
    v.merges.Reserve(merges.size());
    std::string left, right;
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const std::string what = path + ": merge " + std::to_string(rank) + ": ";
      std::string l, r;
      if (merges[rank].is_string()) {
        const std::string s = merges[rank].get<std::string>();
        const size_t space = s.find(' ');
        if (space == std::string::npos) return Status::Corruption(what + "expected 'A B'");
        l = s.substr(0, space), r = s.substr(space + 1);
      } else if (merges[rank].is_array() && merges[rank].size() == 2) {
        l = merges[rank][0].get<std::string>(), r = merges[rank][1].get<std::string>();
      } else {
        return Status::Corruption(what + "expected 'A B' or [A, B]");
      }
      if (!SpellingToBytes(l, to_byte, &left) || !SpellingToBytes(r, to_byte, &right)) {
        return Status::Corruption(what + "not in the byte-level alphabet");
      }
      auto li = id_of.find(left), ri = id_of.find(right), mi = id_of.find(left + right);
      if (li == id_of.end() || ri == id_of.end() || mi == id_of.end()) {
        return Status::Corruption(what + "'" + l + "', '" + r +
                                  "' or their concatenation is not in the vocabulary");
      }
      // A repeated pair keeps its last rank, as the Hugging Face library does.
      v.merges.Put(li->second, ri->second, BpeMerge{static_cast<int32_t>(rank), mi->second});
    }
    if (j.contains("added_tokens")) {
      for (const json& added : j["added_tokens"]) {
        const int64_t id = added.at("id").get<int64_t>();
        const std::string content = added.at("content").get<std::string>();
        if (id < 0 || id > (1 << 24) || content.empty()) {
          return Status::Corruption(path + ": added token '" + content + "' with id " +
                                    std::to_string(id));
        }
        if (added.value("single_word", false) || added.value("lstrip", false) ||
            added.value("rstrip", false)) {
          return Status::Unsupported(path + ": added token '" + content +
                                     "' uses single_word/lstrip/rstrip");
        }
        if (static_cast<size_t>(id) >= v.tokens.size()) v.tokens.resize(id + 1);
        v.tokens[id] = content;
        (added.value("normalized", !added.value("special", false)) ? v.normalized_added
                                                                   : v.raw_added)
            .Add(content, static_cast<int32_t>(id));
      }
    }
  } catch (const json::exception& e) {
    return Status::Corruption(path + ": unexpected tokenizer structure: " + e.what());
  }
  return std::unique_ptr<Tokenizer>(new BpeTokenizer(std::move(v)));
}

}  // namespace rwkv
