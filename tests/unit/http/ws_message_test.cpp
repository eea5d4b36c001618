#include "http/ws_message.hpp"

#include <gtest/gtest.h>

namespace ov::http {
namespace {

TEST(WsMessage, AuthAndPing) {
  auto auth = parse_ws_message(R"({"type":"auth","token":"abc.def.ghi"})");
  EXPECT_EQ(auth.type, "auth");
  EXPECT_EQ(auth.token, "abc.def.ghi");
  auto ping = parse_ws_message(R"( {"type":"ping"} )");
  EXPECT_EQ(ping.type, "ping");
  EXPECT_EQ(ping.token, "");
}

TEST(WsMessage, AnythingElseHasNoType) {
  for (const char* text : {"", "ping", "[]", "\"auth\"", "{\"type\":1}", "{\"type\":null}",
                           "{\"type\":\"auth\"", "{\"type\":\"auth\"} trailing",
                           "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]"
                           "]]]]]]]]]]]]]]]]]}"}) {
    EXPECT_EQ(parse_ws_message(text).type, "") << text;
  }
  auto numeric_token = parse_ws_message(R"({"type":"auth","token":42})");
  EXPECT_EQ(numeric_token.type, "auth");
  EXPECT_EQ(numeric_token.token, "");
}

TEST(WsMessage, QueryToken) {
  EXPECT_EQ(ws_query_token("/api/v1/ws?token=a%2Eb.c"), "a.b.c");
  EXPECT_EQ(ws_query_token("/api/v1/ws?x=1&token=t"), "t");
  EXPECT_EQ(ws_query_token("/api/v1/ws"), "");
  EXPECT_EQ(ws_query_token("/api/v1/ws?token=%zz"), "");
  EXPECT_EQ(ws_query_token("/api/v1/ws?token"), "");
}

}  // namespace
}  // namespace ov::http
