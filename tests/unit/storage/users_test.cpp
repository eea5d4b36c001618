#include "backend_fixture.hpp"
#include "core/ids.hpp"

namespace ov::storage::test {
namespace {

class Users : public BackendTest {
 protected:
  UserRepository& users() { return migrated().users(); }
  User make(const std::string& email, Role role = Role::user) {
    auto created = users().create(NewUser{email, "$argon2id$v=19$hash", "Ada Lovelace", role});
    if (!created) throw std::runtime_error(created.error().message);
    return created.value();
  }
};

TEST_P(Users, CreateThenFindByIdAndEmail) {
  std::int64_t before = now_ms();
  User ada = make("ada@example.com", Role::admin);
  EXPECT_TRUE(is_uuid(ada.id));
  EXPECT_EQ(ada.email, "ada@example.com");
  EXPECT_EQ(ada.role, Role::admin);
  EXPECT_TRUE(ada.is_active);
  EXPECT_GE(ada.created_at_ms, before);
  EXPECT_EQ(ada.created_at_ms, ada.updated_at_ms);

  for (auto found : {users().find_by_id(ada.id), users().find_by_email("ada@example.com")}) {
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->id, ada.id);
    EXPECT_EQ(found->email, ada.email);
    EXPECT_EQ(found->password_hash, "$argon2id$v=19$hash");
    EXPECT_EQ(found->name, "Ada Lovelace");
    EXPECT_EQ(found->role, Role::admin);
    EXPECT_TRUE(found->is_active);
    EXPECT_EQ(found->created_at_ms, ada.created_at_ms);  // millisecond round trip
    EXPECT_EQ(found->updated_at_ms, ada.updated_at_ms);
  }
  EXPECT_EQ(users().count(), 1);
}

TEST_P(Users, CreateAddsDefaultSettings) {
  User ada = make("ada@example.com");
  auto settings = users().settings(ada.id);
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->user_id, ada.id);
  EXPECT_EQ(settings->theme, "system");
  EXPECT_TRUE(settings->notifications);
  EXPECT_FALSE(settings->api_key_hash.has_value());
}

TEST_P(Users, DuplicateEmailIsAConflictWhateverTheCase) {
  make("ada@example.com");
  auto same = users().create(NewUser{"ada@example.com", "h", "Other"});
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.error().code, Errc::conflict);
  // Lower-casing is the caller's job, but the unique index holds even when it is forgotten.
  auto upper = users().create(NewUser{"ADA@Example.COM", "h", "Other"});
  ASSERT_FALSE(upper.ok());
  EXPECT_EQ(upper.error().code, Errc::conflict);
  EXPECT_EQ(users().count(), 1);  // the failed transactions left nothing behind
  EXPECT_TRUE(users().create(NewUser{"grace@example.com", "h", "Grace"}).ok());
  EXPECT_EQ(users().count(), 2);
}

TEST_P(Users, FindByEmailIgnoresCase) {
  User ada = make("ada@example.com");
  auto found = users().find_by_email("Ada@Example.com");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, ada.id);
  EXPECT_FALSE(users().find_by_email("ada@example.org").has_value());
}

TEST_P(Users, FindUnknownOrMalformedIdsGivesNothing) {
  User ada = make("ada@example.com");
  EXPECT_FALSE(users().find_by_id(new_uuid()).has_value());
  EXPECT_FALSE(users().find_by_id("not-a-uuid").has_value());
  EXPECT_FALSE(users().find_by_id("").has_value());
  EXPECT_FALSE(users().settings("not-a-uuid").has_value());
  std::string upper = ada.id;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto found = users().find_by_id(upper);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, ada.id);
}

TEST_P(Users, TextIsStoredVerbatim) {
  std::string name = "Robert'); DROP TABLE users;-- \"Bobby\" \xE2\x9C\x93 \xF0\x9F\x90\xB6 $1";
  auto created = users().create(NewUser{"bobby@example.com", "h", name});
  ASSERT_TRUE(created.ok()) << created.error().message;
  auto found = users().find_by_id(created->id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, name);
  EXPECT_EQ(users().count(), 1);
}

TEST_P(Users, UpdateChangesOnlyTheSetFields) {
  User ada = make("ada@example.com");
  auto renamed = users().update(ada.id, UserPatch{.name = "Countess"});
  ASSERT_TRUE(renamed.ok()) << renamed.error().message;
  EXPECT_EQ(renamed->name, "Countess");
  EXPECT_EQ(renamed->password_hash, ada.password_hash);
  EXPECT_EQ(renamed->role, Role::user);
  EXPECT_TRUE(renamed->is_active);
  EXPECT_EQ(renamed->created_at_ms, ada.created_at_ms);
  EXPECT_GE(renamed->updated_at_ms, ada.updated_at_ms);

  auto changed = users().update(
      ada.id, UserPatch{.password_hash = "new-hash", .role = Role::admin, .is_active = false});
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  auto found = users().find_by_id(ada.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "Countess");
  EXPECT_EQ(found->password_hash, "new-hash");
  EXPECT_EQ(found->role, Role::admin);
  EXPECT_FALSE(found->is_active);

  auto back = users().update(ada.id, UserPatch{.is_active = true});
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->is_active);
  EXPECT_EQ(back->role, Role::admin);
}

TEST_P(Users, UpdateOfAnUnknownUserIsNotFound) {
  migrated();
  for (const std::string& id : {new_uuid(), std::string("nope")}) {
    auto r = users().update(id, UserPatch{.name = "x"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::not_found);
    auto s = users().update_settings(id, SettingsPatch{.theme = "dark"});
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::not_found);
  }
}

TEST_P(Users, SettingsUpdateAndApiKeyLookup) {
  User ada = make("ada@example.com");
  auto dark = users().update_settings(ada.id, SettingsPatch{.theme = "dark"});
  ASSERT_TRUE(dark.ok()) << dark.error().message;
  EXPECT_EQ(dark->theme, "dark");
  EXPECT_TRUE(dark->notifications);

  auto quiet = users().update_settings(
      ada.id, SettingsPatch{.notifications = false, .api_key_hash = std::string("abc123")});
  ASSERT_TRUE(quiet.ok()) << quiet.error().message;
  EXPECT_EQ(quiet->theme, "dark");
  EXPECT_FALSE(quiet->notifications);
  EXPECT_EQ(quiet->api_key_hash, std::optional<std::string>("abc123"));

  auto by_key = users().find_by_api_key_hash("abc123");
  ASSERT_TRUE(by_key.has_value());
  EXPECT_EQ(by_key->id, ada.id);
  EXPECT_FALSE(users().find_by_api_key_hash("abc124").has_value());

  // Leaving api_key_hash unset keeps it; setting it to nullopt clears it.
  ASSERT_TRUE(users().update_settings(ada.id, SettingsPatch{.theme = "light"}).ok());
  EXPECT_TRUE(users().find_by_api_key_hash("abc123").has_value());
  auto cleared =
      users().update_settings(ada.id, SettingsPatch{.api_key_hash = std::optional<std::string>()});
  ASSERT_TRUE(cleared.ok());
  EXPECT_FALSE(cleared->api_key_hash.has_value());
  EXPECT_FALSE(users().find_by_api_key_hash("abc123").has_value());
  auto stored = users().settings(ada.id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->theme, "light");
  EXPECT_FALSE(stored->notifications);
}

TEST_P(Users, SettingsRejectBadThemesAndSharedApiKeys) {
  User ada = make("ada@example.com");
  User grace = make("grace@example.com");
  auto bad = users().update_settings(ada.id, SettingsPatch{.theme = "purple"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  ASSERT_TRUE(
      users().update_settings(ada.id, SettingsPatch{.api_key_hash = std::string("k1")}).ok());
  auto taken = users().update_settings(grace.id, SettingsPatch{.api_key_hash = std::string("k1")});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, Errc::conflict);
  EXPECT_EQ(users().find_by_api_key_hash("k1")->id, ada.id);
}

TEST_P(Users, DatabaseFailuresThrowStorageError) {
  migrated();
  ASSERT_TRUE(db().migrate_down(1000).ok());
  EXPECT_THROW(db().users().find_by_email("ada@example.com"), StorageError);
  auto created = db().users().create(NewUser{"ada@example.com", "h", "A"});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, Errc::internal);
}

OV_STORAGE_BACKENDS(Users);

}  // namespace
}  // namespace ov::storage::test
