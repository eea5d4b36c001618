#pragma once
// The end of sessions of a user, as the event bus carries it to every node. No I/O here.
#include <cstdint>
#include <string>

namespace ov {

// Which of a user's sessions end: one access token (logout), or every token issued in a
// session epoch below before_epoch (password change, deactivation).
struct SessionEnd {
  std::string jti;                // when not empty: this token only
  std::int64_t before_epoch = 0;  // when > 0: tokens of an older epoch
  std::string reason;             // what the client reads (the WebSocket close reason)
  bool ends(const std::string& token_jti, std::int64_t token_epoch) const {
    return (!jti.empty() && jti == token_jti) || (before_epoch > 0 && token_epoch < before_epoch);
  }
};

}  // namespace ov
