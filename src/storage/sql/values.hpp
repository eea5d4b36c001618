#pragma once
// Small helpers the repositories share for ids and optional parameters (internal).
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "core/ids.hpp"
#include "storage/sql/connection.hpp"

namespace ov::storage::sql {

// Ids are compared as canonical lower-case UUIDs; anything else cannot match (and would be a
// syntax error for PostgreSQL's uuid type).
inline std::optional<std::string> canonical_id(const std::string& id) {
  if (!is_uuid(id)) return std::nullopt;
  std::string out = id;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// NULL when unset (the UPDATEs keep the stored value for NULL).
template <class T>
Value nullable(const std::optional<T>& v) {
  if (!v) return Null{};
  return Value(std::in_place_type<T>, *v);
}

}  // namespace ov::storage::sql
