#pragma once
// ScheduleRepository over either backend: a conditional UPDATE claims each due time once.
#include <string>

#include "storage/database.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

class SqlScheduleRepository final : public ScheduleRepository {
 public:
  SqlScheduleRepository(Pool& pool, Dialect dialect);
  Result<ScheduledTaskRow> ensure(const std::string& name, const std::string& schedule,
                                  std::int64_t next_run_at_ms) override;
  Result<std::optional<std::int64_t>> claim(const std::string& name, std::int64_t due_ms,
                                            std::int64_t next_ms, std::int64_t now_ms,
                                            const std::string& holder) override;
  Result<void> finish(const std::string& name, std::int64_t run, std::int64_t now_ms, bool ok,
                      const std::string& result) override;
  Result<std::vector<ScheduledTaskRow>> list() override;

 private:
  Pool& pool_;
  std::string ensure_, claim_, finish_, list_;
};

}  // namespace ov::storage::sql
