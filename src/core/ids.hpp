#pragma once
// Identifiers and time: UUIDv4 from the OS CSPRNG, RFC 3339 UTC timestamps.
#include <cstdint>
#include <string>
#include <string_view>

namespace ov {

std::string new_uuid();  // random (v4), lower-case, hyphenated
// The same form from a per-thread generator seeded from the OS once: unique, not secret (for
// request ids; never for anything an attacker must not guess).
std::string new_request_uuid();
// A UUID (version 8) made from a name: the same name, the same id (idempotency keys; not
// secret, not collision-proof against someone choosing names).
std::string name_uuid(std::string_view name);
bool is_uuid(std::string_view text);          // canonical 8-4-4-4-12 hex form
std::string random_token(std::size_t bytes);  // URL-safe base64 of CSPRNG bytes

std::int64_t now_ms();                       // Unix epoch milliseconds, system clock
std::string rfc3339(std::int64_t epoch_ms);  // 2026-11-24T02:06:35.123Z

}  // namespace ov
