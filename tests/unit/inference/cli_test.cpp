// `detect` and `models` as the application wires them: parsed by CLI11, output on stdout.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <sstream>

#include "inference/cli.hpp"
#include "support.hpp"

namespace ov::inference {
namespace {

struct Run {
  int code = 0;
  std::string out;
};

Run run_cli(std::vector<std::string> args) {
  EngineSettings settings;
  settings.models_dir = test::default_model_dir().string();
  settings.intra_threads = 2;
  CLI::App app{"test"};
  app.require_subcommand(1);
  add_cli_commands(app, settings);
  std::vector<const char*> argv = {"objectvision"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  Run r;
  try {
    app.parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
  } catch (const CLI::ParseError& e) {
    r.code = e.get_exit_code();
  }
  std::cout.rdbuf(old);
  r.out = captured.str();
  return r;
}

TEST(Cli, DetectPrintsTheJsonFormat) {
  const auto dog = test::darknet("dog.jpg").string();
  auto r = run_cli({"detect", "--conf", "0.5", "--classes", "dog,bicycle", dog});
  ASSERT_EQ(r.code, 0);
  const auto v = boost::json::parse(r.out).as_array();
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].at("image").as_string(), dog);
  EXPECT_EQ(v[0].at("model").as_string(), "nanodet-m");
  const auto& d = v[0].at("detections").as_array();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].at("class").as_string(), "dog");
  EXPECT_EQ(d[1].at("class").as_string(), "bicycle");
}

TEST(Cli, OtherFormatsModelsAndErrors) {
  const auto dog = test::darknet("dog.jpg").string();
  auto ds = run_cli({"detect", "--format", "deepstack", "--conf", "0.5", dog});
  ASSERT_EQ(ds.code, 0);
  EXPECT_TRUE(boost::json::parse(ds.out).at("success").as_bool());

  auto models = run_cli({"models"});
  ASSERT_EQ(models.code, 0);
  const auto m = boost::json::parse(models.out).as_array();
  EXPECT_EQ(m.at(0).at("family").as_string(), "nanodet");
  EXPECT_EQ(m.at(0).at("labels").as_array().size(), 80u);

  // A bad image among good ones: the good ones are printed, the exit code says it failed.
  auto mixed = run_cli({"detect", dog, "/nonexistent.jpg"});
  EXPECT_EQ(mixed.code, 1);
  EXPECT_EQ(boost::json::parse(mixed.out).as_array().size(), 1u);
  EXPECT_EQ(run_cli({"detect", "--tile", "big", dog}).code, 2);
  EXPECT_NE(run_cli({"detect", "--model", "nope", dog}).code, 0);
}

}  // namespace
}  // namespace ov::inference
