#pragma once
// TokenRepository over either backend: refresh-token rotation and the access blacklist.
#include <string>

#include "storage/database.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

class SqlTokenRepository final : public TokenRepository {
 public:
  SqlTokenRepository(Pool& pool, Dialect dialect);

  void store_refresh(const RefreshToken& token) override;
  std::optional<RefreshToken> find_refresh(const std::string& jti) override;
  bool mark_refresh_used(const std::string& jti) override;
  void revoke_family(const std::string& family_id) override;
  void revoke_refresh(const std::string& jti) override;
  void revoke_user(const std::string& user_id) override;
  void blacklist_access(const std::string& jti, std::int64_t expires_at_ms) override;
  bool is_access_blacklisted(const std::string& jti) override;
  std::int64_t purge_expired(std::int64_t now_ms) override;

 private:
  QueryResult run(const std::string& sql, const Params& params);

  Pool& pool_;
  Dialect dialect_;
  std::string insert_refresh_;
  std::string select_refresh_;
  std::string insert_blacklist_;
  std::string purge_refresh_;
  std::string purge_blacklist_;
};

}  // namespace ov::storage::sql
