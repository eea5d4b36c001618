#include "http/client_address.hpp"

#include <gtest/gtest.h>

namespace ov::http {
namespace {

Headers with(std::initializer_list<std::pair<const char*, const char*>> items) {
  Headers h;
  for (const auto& [name, value] : items) h.add(name, value);
  return h;
}

std::vector<Cidr> nets(const char* list) {
  return parse_cidrs(list).value();
}

TEST(ClientAddress, AnUntrustedPeerIsTheClientWhateverItClaims) {
  auto h = with({{"X-Forwarded-For", "203.0.113.7"}, {"Forwarded", "for=198.51.100.1"}});
  EXPECT_EQ(client_address("192.0.2.1", h, {}), "192.0.2.1");
  EXPECT_EQ(client_address("192.0.2.1", h, nets("10.0.0.0/8")), "192.0.2.1");
}

TEST(ClientAddress, ATrustedPeerNamesTheClientInXForwardedFor) {
  auto trusted = nets("10.0.0.0/8");
  EXPECT_EQ(client_address("10.0.0.2", with({{"X-Forwarded-For", "203.0.113.7"}}), trusted),
            "203.0.113.7");
  // Read from the right: the client may prepend anything; trusted hops are skipped.
  auto chain = with({{"X-Forwarded-For", "1.1.1.1, 203.0.113.7"}, {"x-forwarded-for", "10.0.0.9"}});
  EXPECT_EQ(client_address("10.0.0.2", chain, trusted), "203.0.113.7");
  // Every hop trusted: the leftmost one.
  EXPECT_EQ(client_address("10.0.0.2", with({{"X-Forwarded-For", "10.1.1.1, 10.0.0.9"}}), trusted),
            "10.1.1.1");
  // Nothing forwarded: the peer.
  EXPECT_EQ(client_address("10.0.0.2", {}, trusted), "10.0.0.2");
}

TEST(ClientAddress, ForwardedWinsOverXForwardedFor) {
  auto trusted = nets("127.0.0.1");
  auto h = with({{"X-Forwarded-For", "203.0.113.7"},
                 {"Forwarded", R"(for="[2001:db8::1]:4711";proto=https, For=198.51.100.9)"}});
  EXPECT_EQ(client_address("127.0.0.1", h, trusted), "198.51.100.9");
  auto v6 = with({{"Forwarded", R"(for="[2001:db8::1]:4711";proto=https)"}});
  EXPECT_EQ(client_address("127.0.0.1", v6, trusted), "2001:db8::1");
}

TEST(ClientAddress, AnUnreadableHopStopsAtTheLastGoodOne) {
  auto trusted = nets("127.0.0.1, 10.0.0.0/8");
  EXPECT_EQ(client_address("127.0.0.1", with({{"Forwarded", "for=unknown"}}), trusted),
            "127.0.0.1");
  EXPECT_EQ(client_address("127.0.0.1", with({{"X-Forwarded-For", "garbage, 10.0.0.3"}}), trusted),
            "10.0.0.3");
}

}  // namespace
}  // namespace ov::http
