#include "storage/sql/lease_repository.hpp"

#include <fmt/format.h>

namespace ov::storage::sql {

// One INSERT ... ON CONFLICT DO UPDATE ... WHERE: the row is taken when it is new, expired or
// the holder's own; otherwise nothing is returned. A new holder raises the fence; a renewal
// keeps it. SQLite (3.35+) and PostgreSQL both run this statement, and both serialise it on
// the row.
SqlLeaseRepository::SqlLeaseRepository(Pool& pool, Dialect d) : pool_(pool) {
  acquire_ = fmt::format(
      "INSERT INTO leases (name, holder, expires_at, fence) VALUES ($1, $2, {0}, 1) "
      "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
      "expires_at = excluded.expires_at, "
      "fence = CASE WHEN leases.holder = excluded.holder THEN leases.fence "
      "ELSE leases.fence + 1 END "
      "WHERE leases.holder = excluded.holder OR leases.expires_at <= {1} "
      "RETURNING fence",
      d.time_param(3), d.time_param(4));
  release_ = fmt::format("UPDATE leases SET expires_at = {} WHERE name = $1 AND holder = $2",
                         d.time_param(3));
}

Result<std::optional<std::int64_t>> SqlLeaseRepository::acquire(const std::string& name,
                                                                const std::string& holder,
                                                                std::int64_t now,
                                                                std::int64_t ttl_ms) {
  auto rows = pool_.with([&](Connection& c) {
    return c.query(acquire_, {name, holder, now + ttl_ms, now});
  });
  if (!rows) return rows.error();
  if (rows.value().rows.empty()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(rows.value().rows.front().integer(0));
}

Result<void> SqlLeaseRepository::release(const std::string& name, const std::string& holder) {
  auto r = pool_.with([&](Connection& c) {
    return c.query(release_, {name, holder, std::int64_t{0}});
  });
  if (!r) return r.error();
  return {};
}

}  // namespace ov::storage::sql
