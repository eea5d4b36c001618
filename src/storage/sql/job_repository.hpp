#pragma once
// JobRepository over either backend: the embedded queue's job_queue table. Claims are one
// UPDATE each: PostgreSQL picks the row with FOR UPDATE SKIP LOCKED, SQLite's single writer
// serialises them, so a job goes to one claimer across threads and processes.
#include <string>

#include "storage/database.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

class SqlJobRepository final : public JobRepository {
 public:
  SqlJobRepository(Pool& pool, Dialect dialect);

  Result<void> enqueue(const std::string& detection_id, int max_attempts, int max_depth,
                       std::int64_t now_ms) override;
  Result<std::optional<JobClaim>> claim(const std::string& token, std::int64_t now_ms,
                                        std::int64_t lease_ms) override;
  Result<bool> extend(const std::string& detection_id, const std::string& token,
                      std::int64_t until_ms) override;
  Result<bool> complete(const std::string& detection_id, const std::string& token) override;
  Result<bool> fail(const std::string& detection_id, const std::string& token,
                    const std::string& error, std::optional<std::int64_t> retry_at_ms) override;
  Result<bool> remove(const std::string& detection_id) override;
  Result<JobTableStats> stats() override;

 private:
  Result<bool> changed_one(const std::string& sql, const Params& params);

  Pool& pool_;
  Dialect dialect_;
  std::string insert_;
  std::string claim_;
  std::string extend_;
  std::string retry_;
  std::string stats_;
};

}  // namespace ov::storage::sql
