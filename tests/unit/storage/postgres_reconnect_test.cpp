// PostgreSQL only: connections the server drops are reset and the work goes on.
#include <thread>
#include "backend_fixture.hpp"

#include "core/ids.hpp"

namespace ov::storage::test {
namespace {

class Reconnect : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!is_postgres()) GTEST_SKIP() << "PostgreSQL connection handling only";
  }
  // Ends this test's other sessions (found by application_name, so that tests running beside
  // it keep theirs), as a server restart or failover would.
  void terminate_other_sessions() {
    auto admin = raw();
    auto killed = admin->query(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = $1 AND pid <> pg_backend_pid()",
        {schema()});
    ASSERT_TRUE(killed.ok()) << killed.error().message;
    ASSERT_GE(killed.value().rows.at(0).integer(0), 1);
    // pg_terminate_backend only signals; give the backends a moment to exit.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
};

TEST_P(Reconnect, PooledConnectionsDroppedByTheServerAreReset) {
  auto handle = open_another(2);
  ASSERT_TRUE(handle->migrate_up().ok());
  auto ada = handle->users().create(NewUser{"ada@example.com", "h", "Ada"});
  ASSERT_TRUE(ada.ok());
  terminate_other_sessions();
  // A write on a lease: the pool notices the dead session before using it.
  auto grace = handle->users().create(NewUser{"grace@example.com", "h", "Grace"});
  ASSERT_TRUE(grace.ok()) << grace.error().message;
  EXPECT_TRUE(handle->users().find_by_id(ada->id).has_value());
  EXPECT_EQ(handle->users().count(), 2);
  EXPECT_TRUE(handle->ping().ok());
}

TEST_P(Reconnect, ReadOnADeadSessionIsRetriedOnce) {
  auto conn = raw();
  ASSERT_TRUE(conn->query("SELECT 1", {}).ok());  // prepared on this session
  terminate_other_sessions();
  auto again = conn->query("SELECT 1", {});  // no revalidate: the query itself meets the loss
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again.value().rows.at(0).integer(0), 1);
  EXPECT_FALSE(conn->unusable());
}

OV_STORAGE_BACKENDS(Reconnect);

}  // namespace
}  // namespace ov::storage::test
