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
  Result<Rotation> rotate_refresh(const std::string& presented_jti, const std::string& user_id,
                                  std::int64_t session_epoch, const RefreshToken& next) override;
  void revoke_family(const std::string& user_id, const std::string& family_id) override;
  void revoke_refresh(const std::string& jti) override;
  void revoke_user(const std::string& user_id) override;
  void blacklist_access(const std::string& jti, std::int64_t expires_at_ms) override;
  bool is_access_blacklisted(const std::string& jti) override;
  std::vector<std::pair<std::string, std::int64_t>> live_blacklist(std::int64_t now_ms) override;
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
  std::string select_for_rotation_;
  std::string lock_user_;
  std::string select_live_blacklist_;
};

}  // namespace ov::storage::sql
