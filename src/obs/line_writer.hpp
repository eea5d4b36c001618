#pragma once
// Internal to ov_obs: log lines leave the threads that write them through a bounded queue and
// one writer thread, so that a request never waits on stdout. A line is formatted on the
// caller's thread (its request id is a thread-local), queued, and written in batches (one
// wake-up of the writer per batch, not per line); when the
// queue is full the line is dropped and counted, and the writer reports how many went missing.
#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ov::obs {

class LineWriter {
 public:
  explicit LineWriter(std::FILE* out, std::size_t max_bytes = 8 << 20);
  ~LineWriter();  // writes what is queued, then stops
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  void push(std::string_view line);  // never waits on the output
  void flush();                      // returns once everything queued so far is written
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  void run();

  // A batch is written kGather after its first line, or as soon as it holds kBatchBytes, or at
  // once on flush() (which error lines call).
  static constexpr std::chrono::milliseconds kGather{5};
  static constexpr std::size_t kBatchBytes = 64 * 1024;

  std::FILE* out_;
  const std::size_t max_bytes_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable written_;
  std::string queued_;
  std::uint64_t pushed_ = 0, done_ = 0;
  bool stop_ = false;
  bool urgent_ = false;  // flush() waits: write without gathering
  std::atomic<std::uint64_t> dropped_{0};
  std::uint64_t reported_ = 0;
  std::thread thread_;
};

// A spdlog sink over a LineWriter: formats with a per-thread copy of its formatter.
class LineSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit LineSink(std::shared_ptr<LineWriter> writer) : writer_(std::move(writer)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override { writer_->flush(); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override;

 private:
  std::shared_ptr<LineWriter> writer_;
  std::shared_ptr<spdlog::formatter> prototype_;
  std::atomic<std::uint64_t> generation_{0};  // a new formatter: the per-thread copies renew
};

}  // namespace ov::obs
