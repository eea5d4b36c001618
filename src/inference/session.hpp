#pragma once
// ONNX Runtime behind a small interface: one runtime (Ort::Env) per process, one session per
// model. Only session.cpp includes ONNX Runtime.
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "inference/core_budget.hpp"

namespace ov::inference {

// An output of a run: its shape and its values, which stay where the runtime put them (no
// copy: `owner` keeps them alive; a slice of a batch shares its batch's owner).
struct Tensor {
  std::vector<std::int64_t> shape;  // -1 for a dynamic dimension in IoInfo
  std::span<const float> values;
  std::shared_ptr<const void> owner;

  // A tensor that owns `values` (one made by hand: tests, other runners).
  static Tensor of(std::vector<std::int64_t> shape, std::vector<float> values) {
    auto kept = std::make_shared<const std::vector<float>>(std::move(values));
    return Tensor{std::move(shape), std::span<const float>(*kept), kept};
  }
};

struct IoInfo {
  std::string name;
  std::vector<std::int64_t> shape;
  bool is_float = true;
  std::string type;  // element type, for messages
};

struct SessionOptions {
  int intra_threads = 0;  // 0 = number of cores
  bool allow_spinning = false;
  int nice = 0;  // the intra-op threads' nice value above their creator's (0: the same)
};

class Runtime {
 public:
  // `cores`: what the model runs of this process share (0 = the machine's cores).
  static Result<std::shared_ptr<Runtime>> create(int cores = 0);
  ~Runtime();
  struct Impl;
  Impl& impl() const { return *impl_; }
  CoreBudget& cores() const { return *cores_; }

 private:
  Runtime();
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<CoreBudget> cores_;
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> open(std::shared_ptr<Runtime> runtime,
                                               const std::string& path,
                                               const SessionOptions& options);
  ~Session();
  const std::vector<IoInfo>& inputs() const;
  const std::vector<IoInfo>& outputs() const;
  const std::map<std::string, std::string>& metadata() const;
  // Runs the first input with `data` of `shape`; thread-safe. Outputs are float tensors.
  Result<std::vector<Tensor>> run(std::span<const float> data,
                                  std::span<const std::int64_t> shape) const;

  struct Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ov::inference
