#include "core/cidr.hpp"

#include <gtest/gtest.h>

namespace ov {
namespace {

IpAddress ip(const char* text) {
  auto a = parse_ip_address(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(IpAddress{});
}

TEST(IpAddress, ParsesBothFamiliesWithOrWithoutAPort) {
  EXPECT_EQ(to_string(ip("203.0.113.7")), "203.0.113.7");
  EXPECT_EQ(to_string(ip("203.0.113.7:8080")), "203.0.113.7");
  EXPECT_EQ(to_string(ip("2001:db8::1")), "2001:db8::1");
  EXPECT_EQ(to_string(ip("[2001:db8::1]:4711")), "2001:db8::1");
  EXPECT_EQ(to_string(ip("::ffff:10.1.2.3")), "10.1.2.3");
  for (const char* bad :
       {"", "unknown", "_hidden", "1.2.3", "1.2.3.4.5", "[::1", "300.1.1.1", "2001:db8::g"}) {
    EXPECT_FALSE(parse_ip_address(bad).has_value()) << bad;
  }
}

TEST(Cidr, ContainsByPrefix) {
  auto nets = parse_cidrs("10.0.0.0/8, 192.168.1.7 fd00::/8,::1");
  ASSERT_TRUE(nets.has_value());
  ASSERT_EQ(nets->size(), 4u);
  EXPECT_TRUE((*nets)[0].contains(ip("10.255.0.1")));
  EXPECT_FALSE((*nets)[0].contains(ip("11.0.0.1")));
  EXPECT_FALSE((*nets)[0].contains(ip("::a00:1"))) << "an IPv6 address is not in an IPv4 net";
  EXPECT_TRUE((*nets)[1].contains(ip("192.168.1.7")));
  EXPECT_FALSE((*nets)[1].contains(ip("192.168.1.8")));
  EXPECT_TRUE((*nets)[2].contains(ip("fd12::5")));
  EXPECT_FALSE((*nets)[2].contains(ip("fe80::1")));
  EXPECT_TRUE((*nets)[3].contains(ip("::1")));
}

TEST(Cidr, OddPrefixesMaskPartOfAByte) {
  auto nets = parse_cidrs("172.16.0.0/12");
  ASSERT_TRUE(nets.has_value());
  EXPECT_TRUE((*nets)[0].contains(ip("172.31.255.255")));
  EXPECT_FALSE((*nets)[0].contains(ip("172.32.0.0")));
  auto all = parse_cidrs("0.0.0.0/0");
  ASSERT_TRUE(all.has_value());
  EXPECT_TRUE((*all)[0].contains(ip("8.8.8.8")));
}

TEST(Cidr, RefusesWhatIsNotANetwork) {
  EXPECT_TRUE(parse_cidrs("")->empty());
  EXPECT_TRUE(parse_cidrs(" , ")->empty());
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "example.com",
                          "10.0.0.0/8, nonsense", "[::1]/128", "10.0.0.0/0008"}) {
    EXPECT_FALSE(parse_cidrs(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace ov
