#pragma once
// QueueTable over either backend: the embedded queue's job_queue table. Claims are one
// UPDATE each: PostgreSQL picks the row with FOR UPDATE SKIP LOCKED, SQLite's single writer
// serialises them, so a job goes to one claimer across threads and processes.
#include <string>

#include "storage/database.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

// The job_queue row of a new job, queued ($1 row id, $2 job id, $3 max attempts, $4 now), and
// the count of waiting rows: shared with SqlJobRepository::create.
std::string queue_row_insert_sql(const Dialect& d);
inline constexpr const char* kQueueDepthSql =
    "SELECT count(*) FROM job_queue WHERE status = 'queued'";

class SqlQueueTable final : public QueueTable {
 public:
  SqlQueueTable(Pool& pool, Dialect dialect);

  Result<void> enqueue(const std::string& job_id, int max_attempts, int max_depth,
                       std::int64_t now_ms) override;
  Result<std::optional<JobClaim>> claim(const std::string& token, std::int64_t now_ms,
                                        std::int64_t lease_ms) override;
  Result<bool> extend(const std::string& job_id, const std::string& token,
                      std::int64_t until_ms) override;
  Result<bool> complete(const std::string& job_id, const std::string& token) override;
  Result<bool> fail(const std::string& job_id, const std::string& token, const std::string& error,
                    std::optional<std::int64_t> retry_at_ms) override;
  Result<bool> remove(const std::string& job_id) override;
  Result<JobTableStats> stats() override;
  Result<std::vector<QueueState>> states(const std::vector<std::string>& job_ids) override;

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
