#pragma once
// LeaseRepository over either backend: one upsert decides who holds a lease.
#include <string>

#include "storage/database.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

class SqlLeaseRepository final : public LeaseRepository {
 public:
  SqlLeaseRepository(Pool& pool, Dialect dialect);
  Result<std::optional<std::int64_t>> acquire(const std::string& name, const std::string& holder,
                                              std::int64_t now_ms, std::int64_t ttl_ms) override;
  Result<void> release(const std::string& name, const std::string& holder) override;

 private:
  Pool& pool_;
  std::string acquire_;
  std::string release_;
};

}  // namespace ov::storage::sql
