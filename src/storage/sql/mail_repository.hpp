#pragma once
// MailRepository over either backend: claims are one UPDATE, as in queue_table.cpp.
#include <string>

#include "storage/mail.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

class SqlMailRepository final : public MailRepository {
 public:
  SqlMailRepository(Pool& pool, Dialect dialect);
  Result<void> enqueue(OutgoingMail& mail, std::int64_t now_ms) override;
  Result<std::optional<OutgoingMail>> claim(const std::string& holder, std::int64_t now_ms,
                                            std::int64_t lease_ms) override;
  Result<void> sent(const std::string& id, const std::string& holder, std::int64_t now_ms) override;
  Result<void> failed(const std::string& id, const std::string& holder, const std::string& error,
                      std::optional<std::int64_t> retry_at_ms) override;
  Result<MailCounts> counts() override;
  Result<std::optional<std::int64_t>> next_due() override;

 private:
  Result<void> run(const std::string& sql, const Params& params);

  Pool& pool_;
  std::string insert_, claim_, sent_, retry_, fail_, counts_, next_due_;
};

}  // namespace ov::storage::sql
