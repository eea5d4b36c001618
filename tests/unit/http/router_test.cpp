#include "http/router.hpp"

#include <gtest/gtest.h>

namespace ov::http {
namespace {

Route route(std::string method, std::string path) {
  return Route{std::move(method), std::move(path), AuthMode::none, "", {}, [](Context&) {
                 return Response::empty(200);
               }};
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add(route("GET", "/health"));
    router.add(route("GET", "/api/v1/users/get-profile"));
    router.add(route("GET", "/api/v1/users/{user_id}"));
    router.add(route("PATCH", "/api/v1/users/{user_id}"));
    router.add(route("POST", "/api/v1/auth/login"));
    router.add(route("GET", "/api/v1/images/{image_id}/{kind}"));
  }
  Router router;
};

TEST_F(RouterTest, TableDrivenMatching) {
  struct Case {
    std::string method, path, want_template;
    std::map<std::string, std::string> want_params;
  };
  std::vector<Case> cases = {
      {"GET", "/health", "/health", {}},
      {"HEAD", "/health", "/health", {}},
      {"GET", "/api/v1/users/get-profile", "/api/v1/users/get-profile", {}},
      {"GET", "/api/v1/users/abc", "/api/v1/users/{user_id}", {{"user_id", "abc"}}},
      {"PATCH", "/api/v1/users/a%20b", "/api/v1/users/{user_id}", {{"user_id", "a b"}}},
      {"PATCH",
       "/api/v1/users/get-profile",
       "/api/v1/users/{user_id}",
       {{"user_id", "get-profile"}}},
      {"GET",
       "/api/v1/images/x/annotated",
       "/api/v1/images/{image_id}/{kind}",
       {{"image_id", "x"}, {"kind", "annotated"}}},
  };
  for (const auto& c : cases) {
    Match m = router.match(c.method, c.path);
    ASSERT_NE(m.route, nullptr) << c.method << " " << c.path;
    EXPECT_EQ(m.route->path, c.want_template) << c.method << " " << c.path;
    EXPECT_EQ(m.params, c.want_params) << c.method << " " << c.path;
    EXPECT_TRUE(m.allowed.empty());
  }
}

TEST_F(RouterTest, UnknownPathsAreNotFound) {
  for (const char* path : {"/", "/healthz", "/health/", "/api/v1/users", "/api/v1/users/",
                           "/api/v1/users/a/b", "/api/v1/images/x/", "health"}) {
    Match m = router.match("GET", path);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_TRUE(m.allowed.empty()) << path;
  }
}

TEST_F(RouterTest, KnownPathWithOtherMethodListsAllowed) {
  Match m = router.match("DELETE", "/api/v1/users/123");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "PATCH", "HEAD", "OPTIONS"}));
  Match login = router.match("GET", "/api/v1/auth/login");
  EXPECT_EQ(login.allowed, (std::vector<std::string>{"POST", "OPTIONS"}));
}

TEST_F(RouterTest, BadPercentEscapeDoesNotMatch) {
  EXPECT_EQ(router.match("GET", "/api/v1/users/%zz").route, nullptr);
}

TEST_F(RouterTest, DuplicateRoutesAreRefused) {
  EXPECT_THROW(router.add(route("GET", "/health")), std::invalid_argument);
  EXPECT_THROW(router.add(route("GET", "no-slash")), std::invalid_argument);
}

TEST(Message, FormAndQueryDecoding) {
  auto form = parse_form("username=ann%40x.test&password=a+b%26c&empty=&flag");
  ASSERT_TRUE(form);
  ASSERT_EQ(form->size(), 4u);
  EXPECT_EQ((*form)[0], (std::pair<std::string, std::string>{"username", "ann@x.test"}));
  EXPECT_EQ((*form)[1].second, "a b&c");
  EXPECT_EQ((*form)[2].second, "");
  EXPECT_EQ((*form)[3].first, "flag");
  EXPECT_FALSE(parse_form("a=%4"));
  EXPECT_FALSE(parse_form("a=%g1"));
  Request r;
  split_target("/x?limit=5&offset=10", r.path, r.query);
  EXPECT_EQ(r.path, "/x");
  EXPECT_EQ(r.query_param("limit"), "5");
  EXPECT_EQ(r.query_param("missing"), std::nullopt);
}

TEST(Message, HeadersAreCaseInsensitive) {
  Headers h;
  h.add("Content-Type", "application/json; charset=utf-8");
  EXPECT_EQ(h.get("content-type"), "application/json; charset=utf-8");
  Request r;
  r.headers = h;
  EXPECT_EQ(r.content_type(), "application/json");
  h.set("CONTENT-TYPE", "text/plain");
  EXPECT_EQ(h.all().size(), 1u);
}

}  // namespace
}  // namespace ov::http
