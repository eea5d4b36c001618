// ONNX Runtime's intra-op threads run at the nice value the session was opened with
// (INFERENCE_NICE), above that of the thread that opened it.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "inference/session.hpp"
#include "support.hpp"

namespace ov::inference {
namespace {

// The nice value of each thread of this process (field 19 of /proc/self/task/<tid>/stat).
std::vector<int> thread_nices() {
  std::vector<int> nices;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    auto end_of_name = stat.rfind(')');
    if (end_of_name == std::string::npos) continue;
    std::istringstream fields(stat.substr(end_of_name + 2));
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
      if (i == 19) nices.push_back(std::stoi(field));
    }
  }
  return nices;
}

int count_at(int nice) {
  auto all = thread_nices();
  return static_cast<int>(std::count(all.begin(), all.end(), nice));
}

TEST(SessionPriority, IntraOpThreadsRunAtTheNiceValueAskedFor) {
  const auto model = (test::default_model_dir() / "nanodet-m/1/model.onnx").string();
  const int creator = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
  const int nice = std::min(19, creator + 7);
  ASSERT_NE(nice, creator) << "the test needs room to raise the nice value";
  auto runtime = Runtime::create();
  ASSERT_TRUE(runtime.ok());
  const int before = count_at(nice);
  {
    // 3 intra-op threads: ONNX Runtime makes 2 of its own (the caller is the third).
    auto session = Session::open(runtime.value(), model, SessionOptions{3, false, 7});
    ASSERT_TRUE(session.ok()) << session.error().message;
    EXPECT_EQ(count_at(nice) - before, 2);
    EXPECT_EQ(::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid))), creator)
        << "the opening thread keeps its own";
    std::vector<float> input(3 * 416 * 416, 0.5f);
    const std::int64_t shape[] = {1, 3, 416, 416};
    EXPECT_TRUE((*session)->run(input, shape).ok()) << "it still runs";
  }
  EXPECT_EQ(count_at(nice), before) << "closing the session joins its threads";
  {
    auto plain = Session::open(runtime.value(), model, SessionOptions{3, false, 0});
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(count_at(nice), before) << "nice 0: ONNX Runtime's own threads, the creator's value";
  }
}

}  // namespace
}  // namespace ov::inference
