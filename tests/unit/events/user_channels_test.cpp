// Per-user fan-out on one node.
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "event_counter.hpp"
#include "events/bus.hpp"
#include "events/user_channels.hpp"

namespace ov::events {
namespace {
using testing::marked;
using testing::marker;

using testing::Collector;

TEST(UserChannels, DeliversOnlyToTheEventsUser) {
  UserChannels channels;
  Collector alice1, alice2, bob;
  auto s1 = channels.subscribe("alice", alice1.handler());
  auto s2 = channels.subscribe("alice", alice2.handler());
  auto s3 = channels.subscribe("bob", bob.handler());
  EXPECT_EQ(channels.subscribers("alice"), 2u);

  channels.deliver(marked("alice", "a"));
  channels.deliver(marked("carol", "nobody listens"));
  EXPECT_EQ(alice1.size(), 1u);
  EXPECT_EQ(alice2.size(), 1u);
  EXPECT_EQ(bob.size(), 0u);

  s1.reset();
  EXPECT_EQ(channels.subscribers("alice"), 1u);
  channels.deliver(marked("alice", "b"));
  EXPECT_EQ(alice1.size(), 1u);
  EXPECT_EQ(alice2.size(), 2u);
  s2.reset();
  EXPECT_EQ(channels.subscribers("alice"), 0u);
}

TEST(UserChannels, AttachedToABusRoutesItsEvents) {
  auto bus = make_local_bus();
  auto channels = std::make_unique<UserChannels>();
  auto link = channels->attach(*bus);
  Collector alice, bob;
  auto sa = channels->subscribe("alice", alice.handler());
  auto sb = channels->subscribe("bob", bob.handler());
  bus->publish(marked("bob", "b1"));
  bus->publish(marked("alice", "a1"));
  bus->publish(marked("bob", "b2"));
  ASSERT_TRUE(bob.wait_for(2));
  ASSERT_TRUE(alice.wait_for(1));
  EXPECT_EQ(marker(bob.events()[1]), "b2");
  EXPECT_EQ(marker(alice.events()[0]), "a1");

  channels.reset();  // the bus link stays harmless
  bus->publish(marked("alice", "after"));
  Collector all;
  auto watch = bus->subscribe(all.handler());
  bus->publish(marked("alice", "marker"));
  ASSERT_TRUE(all.wait_for(1));
  EXPECT_EQ(alice.size(), 1u);
}

}  // namespace
}  // namespace ov::events
