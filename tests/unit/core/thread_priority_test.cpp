#include "core/thread_priority.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

namespace ov {
namespace {

int this_thread_nice() {
  return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
}

// Each case runs in a thread of its own: the nice value cannot be lowered back.
template <typename F>
void in_new_thread(F f) {
  std::thread t(f);
  t.join();
}

TEST(ThreadPriority, RaisesTheNiceValueOfTheCallingThreadOnly) {
  const int process = this_thread_nice();
  int before = 0, after = 0, child = 0;
  in_new_thread([&] {
    before = this_thread_nice();
    ASSERT_TRUE(lower_this_thread_priority(3));
    after = this_thread_nice();
    std::thread([&] { child = this_thread_nice(); }).join();  // inherited by new threads
  });
  EXPECT_EQ(after, std::min(19, before + 3));
  EXPECT_EQ(child, after);
  EXPECT_EQ(this_thread_nice(), process) << "the calling thread alone changes";
}

TEST(ThreadPriority, ZeroChangesNothingAndTheTopIsNineteen) {
  int zero = 0, before = 0, top = 0;
  in_new_thread([&] {
    before = this_thread_nice();
    ASSERT_TRUE(lower_this_thread_priority(0));
    zero = this_thread_nice();
    ASSERT_TRUE(lower_this_thread_priority(50));
    top = this_thread_nice();
  });
  EXPECT_EQ(zero, before);
  EXPECT_EQ(top, 19);
}

}  // namespace
}  // namespace ov
