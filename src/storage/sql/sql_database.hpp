#pragma once
// Database over a connection pool and a dialect: the one implementation both backends share.
#include <memory>

#include "storage/database.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/job_repository.hpp"
#include "storage/sql/lease_repository.hpp"
#include "storage/sql/mail_repository.hpp"
#include "storage/sql/migrator.hpp"
#include "storage/sql/pool.hpp"
#include "storage/sql/queue_table.hpp"
#include "storage/sql/schedule_repository.hpp"
#include "storage/sql/token_repository.hpp"
#include "storage/sql/user_repository.hpp"

namespace ov::storage::sql {

class SqlDatabase final : public Database {
 public:
  SqlDatabase(Dialect dialect, std::unique_ptr<Pool> pool, std::vector<MigrationFile> files);

  std::string backend() const override { return dialect_.name(); }
  Result<void> ping() override;
  Result<int> migrate_up() override { return migrator_.up(); }
  Result<int> migrate_down(int steps) override { return migrator_.down(steps); }
  std::vector<MigrationState> migrations() override;
  bool migrations_current() override;
  UserRepository& users() override { return users_; }
  TokenRepository& tokens() override { return tokens_; }
  JobRepository& jobs() override { return jobs_; }
  QueueTable& queue_table() override { return queue_table_; }
  LeaseRepository& leases() override { return leases_; }
  ScheduleRepository& schedules() override { return schedules_; }
  MailRepository& mail() override { return mail_; }

 private:
  Dialect dialect_;
  std::unique_ptr<Pool> pool_;
  Migrator migrator_;
  SqlUserRepository users_;
  SqlTokenRepository tokens_;
  SqlJobRepository jobs_;
  SqlQueueTable queue_table_;
  SqlLeaseRepository leases_;
  SqlScheduleRepository schedules_;
  SqlMailRepository mail_;
};

}  // namespace ov::storage::sql
