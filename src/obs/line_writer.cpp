#include "obs/line_writer.hpp"

#include <fmt/format.h>

namespace ov::obs {

LineWriter::LineWriter(std::FILE* out, std::size_t max_bytes)
    : out_(out), max_bytes_(max_bytes), thread_([this] { run(); }) {}

LineWriter::~LineWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void LineWriter::push(std::string_view line) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (queued_.size() + line.size() > max_bytes_) {
      ++dropped_;
      return;
    }
    // Only the first line of a batch wakes the writer (it then gathers for kGather), and a
    // batch grown past kBatchBytes cuts that short: one wake-up per batch, not per line.
    wake = queued_.empty() ||
           (queued_.size() < kBatchBytes && queued_.size() + line.size() >= kBatchBytes);
    queued_.append(line);
    ++pushed_;
  }
  if (wake) wake_.notify_one();
}

void LineWriter::flush() {
  std::unique_lock lock(mu_);
  const std::uint64_t target = pushed_;
  urgent_ = true;
  wake_.notify_one();
  written_.wait(lock, [&] { return done_ >= target || stop_; });
}

void LineWriter::run() {
  std::string batch;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return stop_ || !queued_.empty() || dropped_.load() != reported_; });
    if (queued_.empty() && stop_) break;
    wake_.wait_for(lock, kGather,
                   [&] { return stop_ || urgent_ || queued_.size() >= kBatchBytes; });
    urgent_ = false;
    batch.swap(queued_);
    const std::uint64_t upto = pushed_;
    const std::uint64_t dropped = dropped_.load();
    lock.unlock();
    if (dropped != reported_) {
      batch += fmt::format(
          "{{\"level\":\"warning\",\"msg\":\"log: {} lines dropped (the output was too slow)\"}}\n",
          dropped - reported_);
      reported_ = dropped;
    }
    std::fwrite(batch.data(), 1, batch.size(), out_);
    std::fflush(out_);
    batch.clear();
    lock.lock();
    done_ = upto;
    written_.notify_all();
  }
  done_ = pushed_;
  written_.notify_all();
}

void LineSink::sink_it_(const spdlog::details::log_msg& msg) {
  // Formatters keep per-call state (the cached time): each thread has its own copy per sink.
  struct Copy {
    const LineSink* sink;
    std::uint64_t generation;
    std::unique_ptr<spdlog::formatter> formatter;
  };
  thread_local std::vector<Copy> copies;
  thread_local spdlog::memory_buf_t buffer;
  const std::uint64_t current = generation_.load();
  Copy* copy = nullptr;
  for (auto& c : copies) {
    if (c.sink == this) copy = &c;
  }
  if (copy == nullptr) copy = &copies.emplace_back(Copy{this, current - 1, nullptr});
  if (copy->generation != current || !copy->formatter) {
    copy->formatter = prototype_ ? prototype_->clone() : formatter_->clone();
    copy->generation = current;
  }
  buffer.clear();
  copy->formatter->format(msg, buffer);
  writer_->push(std::string_view(buffer.data(), buffer.size()));
}

void LineSink::set_formatter_(std::unique_ptr<spdlog::formatter> formatter) {
  prototype_ = std::shared_ptr<spdlog::formatter>(std::move(formatter));
  ++generation_;
}

}  // namespace ov::obs
