// The RWKV World tokenizer: greedy longest match over UTF-8 bytes against a fixed vocabulary
// (rwkv_vocab_v20230424.txt), the same rule as the official TRIE_TOKENIZER.
#include <algorithm>
#include <fstream>
#include <unordered_map>

#include "python_literal.h"
#include "rwkv/tokenizer.h"

namespace rwkv {

namespace {

// A byte trie over the token spellings. Nodes with many children keep a dense 256-entry
// table; the others a short byte-sorted list scanned linearly.
class ByteTrie {
 public:
  static constexpr int32_t kNone = -1;

  ByteTrie() { nodes_.push_back(Node{}); }

  void Insert(std::string_view bytes, int32_t id) {
    int32_t node = 0;
    for (unsigned char b : bytes) {
      const uint64_t key = (static_cast<uint64_t>(node) << 8) | b;
      auto [it, fresh] = building_edges_.emplace(key, static_cast<int32_t>(nodes_.size()));
      if (fresh) nodes_.push_back(Node{});
      node = it->second;
    }
    nodes_[node].id = id;
  }

  // Lays the children out for lookup; call once after the last Insert.
  void Finish() {
    // (parent << 8 | byte, child), sorted: each node's children become one run by byte.
    std::vector<std::pair<uint64_t, int32_t>> edges(building_edges_.begin(), building_edges_.end());
    building_edges_.clear();
    std::sort(edges.begin(), edges.end());
    for (size_t begin = 0; begin < edges.size();) {
      const uint64_t parent = edges[begin].first >> 8;
      size_t end = begin;
      while (end < edges.size() && (edges[end].first >> 8) == parent) ++end;
      Node& node = nodes_[parent];
      if (end - begin > kDenseThreshold) {
        node.dense = static_cast<int32_t>(dense_.size());
        dense_.resize(dense_.size() + 256, kNone);
        for (size_t e = begin; e < end; ++e)
          dense_[node.dense + (edges[e].first & 0xff)] = edges[e].second;
      } else {
        node.first = static_cast<int32_t>(edge_bytes_.size());
        node.count = static_cast<int32_t>(end - begin);
        for (size_t e = begin; e < end; ++e) {
          edge_bytes_.push_back(static_cast<unsigned char>(edges[e].first & 0xff));
          edge_children_.push_back(edges[e].second);
        }
      }
      begin = end;
    }
  }

  // The id of the longest token that is a prefix of text[pos..], and its length in *len.
  // kNone if no token matches.
  int32_t LongestMatch(const unsigned char* text, size_t n, size_t* len) const {
    int32_t node = 0;
    int32_t best = kNone;
    size_t best_len = 0;
    for (size_t i = 0; i < n; ++i) {
      node = Child(nodes_[node], text[i]);
      if (node == kNone) break;
      if (nodes_[node].id != kNone) {
        best = nodes_[node].id;
        best_len = i + 1;
      }
    }
    *len = best_len;
    return best;
  }

 private:
  static constexpr size_t kDenseThreshold = 8;
  struct Node {
    int32_t id = kNone;
    int32_t dense = kNone;  // offset in dense_, or kNone
    int32_t first = 0;      // first edge in edge_bytes_/edge_children_
    int32_t count = 0;
  };

  int32_t Child(const Node& node, unsigned char b) const {
    if (node.dense != kNone) return dense_[node.dense + b];
    const unsigned char* bytes = edge_bytes_.data() + node.first;
    for (int32_t k = 0; k < node.count; ++k) {
      if (bytes[k] == b) return edge_children_[node.first + k];
      if (bytes[k] > b) break;
    }
    return kNone;
  }

  std::vector<Node> nodes_;
  std::vector<int32_t> dense_;
  std::vector<unsigned char> edge_bytes_;
  std::vector<int32_t> edge_children_;
  std::unordered_map<uint64_t, int32_t> building_edges_;  // (parent << 8 | byte) -> child
};

class WorldTokenizer : public Tokenizer {
 public:
  WorldTokenizer(std::vector<std::string> tokens, std::string name)
      : tokens_(std::move(tokens)), name_(std::move(name)) {
    for (size_t id = 0; id < tokens_.size(); ++id) {
      if (!tokens_[id].empty()) trie_.Insert(tokens_[id], static_cast<int32_t>(id));
    }
    trie_.Finish();
  }

  std::string name() const override { return name_; }
  int vocab_size() const override { return static_cast<int>(tokens_.size()); }

  std::vector<int32_t> Encode(std::string_view text) const override {
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 1);
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    size_t pos = 0;
    while (pos < text.size()) {
      size_t len = 0;
      const int32_t id = trie_.LongestMatch(p + pos, text.size() - pos, &len);
      if (id == ByteTrie::kNone) {  // a byte no token covers (only with incomplete vocabularies)
        ++pos;
        continue;
      }
      ids.push_back(id);
      pos += len;
    }
    return ids;
  }

  std::string TokenBytes(int32_t id) const override {
    if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) return "";
    return tokens_[id];
  }

 private:
  std::vector<std::string> tokens_;  // by id; "" for ids the vocabulary does not use
  std::string name_;
  ByteTrie trie_;
};

// Parses the decimal integer in `s`; false if it is not one.
bool ParseInt(std::string_view s, int64_t* v) {
  if (s.empty() || s.size() > 9) return false;
  *v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    *v = *v * 10 + (c - '0');
  }
  return true;
}

}  // namespace

StatusOr<std::unique_ptr<Tokenizer>> MakeWorldTokenizer(std::vector<std::string> tokens,
                                                        std::string name) {
  std::unordered_map<std::string_view, size_t> seen;
  for (size_t id = 0; id < tokens.size(); ++id) {
    if (tokens[id].empty()) continue;
    auto [it, fresh] = seen.emplace(tokens[id], id);
    if (!fresh) {
      return Status::InvalidArgument(name + ": tokens " + std::to_string(it->second) + " and " +
                                     std::to_string(id) + " have the same bytes");
    }
  }
  return std::unique_ptr<Tokenizer>(new WorldTokenizer(std::move(tokens), std::move(name)));
}

StatusOr<std::unique_ptr<Tokenizer>> MakeWorldTokenizerFromEscaped(
    const std::vector<std::string>& escaped, std::string name) {
  std::vector<std::string> tokens(escaped.size());
  for (size_t id = 0; id < escaped.size(); ++id) {
    if (escaped[id].empty()) continue;
    auto bytes = ParsePythonBytesBody(escaped[id]);
    if (!bytes.ok()) {
      return Status::Corruption(name + ": token " + std::to_string(id) + ": " +
                                bytes.status().message());
    }
    tokens[id] = std::move(*bytes);
  }
  return MakeWorldTokenizer(std::move(tokens), std::move(name));
}

StatusOr<std::unique_ptr<Tokenizer>> LoadWorldTokenizer(const std::string& path,
                                                        const std::string& name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open the World vocabulary");
  std::vector<std::string> tokens;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const size_t first_space = line.find(' ');
    const size_t last_space = line.rfind(' ');
    if (first_space == std::string::npos || first_space == last_space) {
      return Status::Corruption(where + "expected 'ID LITERAL LENGTH'");
    }
    int64_t id = 0, length = 0;
    if (!ParseInt(std::string_view(line).substr(0, first_space), &id)) {
      return Status::Corruption(where + "the token id is not a non-negative integer");
    }
    if (!ParseInt(std::string_view(line).substr(last_space + 1), &length)) {
      return Status::Corruption(where + "the byte length is not a non-negative integer");
    }
    auto bytes = ParsePythonLiteral(
        std::string_view(line).substr(first_space + 1, last_space - first_space - 1));
    if (!bytes.ok()) return Status::Corruption(where + bytes.status().message());
    if (static_cast<int64_t>(bytes->size()) != length) {
      return Status::Corruption(where + "the literal has " + std::to_string(bytes->size()) +
                                " bytes but the line says " + std::to_string(length));
    }
    if (bytes->empty()) return Status::Corruption(where + "empty token");
    if (id >= static_cast<int64_t>(tokens.size())) tokens.resize(id + 1);
    if (!tokens[id].empty()) {
      return Status::Corruption(where + "token id " + std::to_string(id) + " appears twice");
    }
    tokens[id] = std::move(*bytes);
  }
  if (in.bad()) return Status::IOError(path + ": read failed");
  if (tokens.empty()) return Status::Corruption(path + ": no tokens");
  auto t = MakeWorldTokenizer(std::move(tokens), name.empty() ? path : name);
  if (!t.ok()) return t.status().WithContext(path);
  return t;
}

}  // namespace rwkv
