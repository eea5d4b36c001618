#pragma once
// UserRepository over either backend: one set of SQL, timestamps through the dialect.
#include <string>

#include "storage/database.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

class SqlUserRepository final : public UserRepository {
 public:
  SqlUserRepository(Pool& pool, Dialect dialect);

  Result<User> create(const NewUser& user) override;
  std::optional<User> find_by_id(const std::string& id) override;
  std::optional<User> find_by_email(const std::string& email) override;
  Result<User> update(const std::string& id, const UserPatch& patch) override;
  Result<User> update_ending_sessions(const std::string& id, const UserPatch& patch,
                                      bool keep_api_key) override;
  std::optional<UserSettings> settings(const std::string& user_id) override;
  Result<UserSettings> update_settings(const std::string& user_id,
                                       const SettingsPatch& patch) override;
  std::optional<User> find_by_api_key_hash(const std::string& api_key_hash) override;
  std::int64_t count() override;
  Result<std::vector<User>> with_daily_report(const std::string& after_id, int limit) override;

 private:
  std::optional<User> find_one(const std::string& sql, const std::string& key);

  Pool& pool_;
  Dialect dialect_;
  std::string insert_user_;
  std::string insert_settings_;
  std::string select_by_id_;
  std::string select_by_email_;
  std::string select_by_api_key_;
  std::string update_user_;
  std::string select_settings_;
  std::string update_settings_;
};

}  // namespace ov::storage::sql
