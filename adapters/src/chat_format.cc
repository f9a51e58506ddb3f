#include "rwkv/adapters/model_adapter.h"

namespace rwkv::adapters {

// RWKV World/Raven chat: paragraphs "User: …", "Assistant: …" separated by blank lines, system
// text first as its own paragraph, ending with "Assistant:" for the model to continue.
std::string RenderRwkvChat(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (const ChatMessage& m : messages) {
    if (m.role == "system") {
      out += m.content + "\n\n";
    } else if (m.role == "assistant") {
      out += "Assistant: " + m.content + "\n\n";
    } else {
      out += "User: " + m.content + "\n\n";
    }
  }
  out += "Assistant:";
  return out;
}

}  // namespace rwkv::adapters
