#include "inference/session.hpp"

#include <fmt/format.h>
#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <array>
#include <string>
#include <thread>

#include "core/thread_priority.hpp"

#if defined(__SANITIZE_ADDRESS__)
// ONNX Runtime keeps one small allocation for the life of the process (14 bytes, at the first
// Ort::Env): not ours to free. Every binary that links the engine gets this suppression.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libonnxruntime.so\n";
}
#endif

namespace ov::inference {

struct Runtime::Impl {
  Ort::Env env{ORT_LOGGING_LEVEL_ERROR, "objectvision"};
  Ort::MemoryInfo memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
};

Runtime::Runtime() = default;
Runtime::~Runtime() = default;

Result<std::shared_ptr<Runtime>> Runtime::create(int cores) {
  try {
    std::shared_ptr<Runtime> runtime(new Runtime());
    runtime->impl_ = std::make_unique<Impl>();
    // One arena for the runs of every session (use_env_allocators): a model's sessions never
    // all run at once (CoreBudget), so they need no arena each.
    const Ort::ArenaCfg arena(0, -1, -1, -1);
    runtime->impl_->env.CreateAndRegisterAllocator(runtime->impl_->memory, arena);
    runtime->cores_ = std::make_unique<CoreBudget>(
        cores > 0 ? cores : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    return runtime;
  } catch (const Ort::Exception& e) {
    return Error{Errc::unavailable, fmt::format("ONNX Runtime failed to start: {}", e.what())};
  }
}

struct Session::Impl {
  std::shared_ptr<Runtime> runtime;
  Ort::Session session{nullptr};
  std::vector<IoInfo> inputs, outputs;
  std::vector<const char*> input_names, output_names;
  std::map<std::string, std::string> metadata;
  Ort::MemoryInfo memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
};

namespace {

const char* element_name(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
      return "float32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
      return "float16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
      return "float64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
      return "uint8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8:
      return "int8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32:
      return "int32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
      return "int64";
    default:
      return "non-float";
  }
}

IoInfo describe(const std::string& name, const Ort::TypeInfo& info) {
  IoInfo io;
  io.name = name;
  if (info.GetONNXType() != ONNX_TYPE_TENSOR) {
    io.is_float = false;
    io.type = "non-tensor";
    return io;
  }
  auto tensor = info.GetTensorTypeAndShapeInfo();
  io.shape = tensor.GetShape();
  io.is_float = tensor.GetElementType() == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  io.type = element_name(tensor.GetElementType());
  return io;
}

// ONNX Runtime's intra-op threads, made by us so that they run at a lower priority than the
// threads that answer requests (SessionOptions::nice). The handle is the std::thread.
struct NiceThreads {
  int nice = 0;
};

OrtCustomThreadHandle create_nice_thread(void* options, OrtThreadWorkerFn work, void* param) {
  const int nice = static_cast<const NiceThreads*>(options)->nice;
  auto* thread = new std::thread([nice, work, param] {
    (void)lower_this_thread_priority(nice);
    work(param);
  });
  return reinterpret_cast<OrtCustomThreadHandle>(thread);
}

void join_nice_thread(OrtCustomThreadHandle handle) {
  auto* thread = reinterpret_cast<std::thread*>(const_cast<OrtCustomHandleType*>(handle));
  thread->join();
  delete thread;
}

// One per nice value asked for, alive as long as the process (ORT keeps the pointer).
const NiceThreads* nice_threads(int nice) {
  static const std::array<NiceThreads, 20> all = [] {
    std::array<NiceThreads, 20> a{};
    for (int i = 0; i < 20; ++i) a[static_cast<std::size_t>(i)].nice = i;
    return a;
  }();
  return &all[static_cast<std::size_t>(std::clamp(nice, 0, 19))];
}

}  // namespace

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::~Session() = default;

Result<std::unique_ptr<Session>> Session::open(std::shared_ptr<Runtime> runtime,
                                               const std::string& path,
                                               const SessionOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->runtime = std::move(runtime);
  try {
    Ort::SessionOptions so;
    int threads = options.intra_threads > 0
                      ? options.intra_threads
                      : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    so.SetIntraOpNumThreads(threads);
    so.SetInterOpNumThreads(1);
    if (options.nice > 0) {
      so.SetCustomThreadCreationOptions(const_cast<NiceThreads*>(nice_threads(options.nice)));
      so.SetCustomCreateThreadFn(create_nice_thread);
      so.SetCustomJoinThreadFn(join_nice_thread);
    }
    so.SetExecutionMode(ExecutionMode::ORT_SEQUENTIAL);
    so.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
    so.AddConfigEntry("session.intra_op.allow_spinning", options.allow_spinning ? "1" : "0");
    so.AddConfigEntry("session.use_env_allocators", "1");
    impl->session = Ort::Session(impl->runtime->impl().env, path.c_str(), so);
    Ort::AllocatorWithDefaultOptions allocator;
    for (std::size_t i = 0; i < impl->session.GetInputCount(); ++i) {
      auto name = impl->session.GetInputNameAllocated(i, allocator);
      impl->inputs.push_back(describe(name.get(), impl->session.GetInputTypeInfo(i)));
    }
    for (std::size_t i = 0; i < impl->session.GetOutputCount(); ++i) {
      auto name = impl->session.GetOutputNameAllocated(i, allocator);
      impl->outputs.push_back(describe(name.get(), impl->session.GetOutputTypeInfo(i)));
    }
    for (const auto& io : impl->inputs) impl->input_names.push_back(io.name.c_str());
    for (const auto& io : impl->outputs) impl->output_names.push_back(io.name.c_str());
    auto meta = impl->session.GetModelMetadata();
    for (const auto& key : meta.GetCustomMetadataMapKeysAllocated(allocator)) {
      auto value = meta.LookupCustomMetadataMapAllocated(key.get(), allocator);
      if (value) impl->metadata[key.get()] = value.get();
    }
  } catch (const Ort::Exception& e) {
    return Error{Errc::invalid_argument, fmt::format("ONNX Runtime cannot load it: {}", e.what())};
  }
  return std::unique_ptr<Session>(new Session(std::move(impl)));
}

const std::vector<IoInfo>& Session::inputs() const {
  return impl_->inputs;
}
const std::vector<IoInfo>& Session::outputs() const {
  return impl_->outputs;
}
const std::map<std::string, std::string>& Session::metadata() const {
  return impl_->metadata;
}

Result<std::vector<Tensor>> Session::run(std::span<const float> data,
                                         std::span<const std::int64_t> shape) const {
  try {
    auto input = Ort::Value::CreateTensor<float>(impl_->memory, const_cast<float*>(data.data()),
                                                 data.size(), shape.data(), shape.size());
    auto values = impl_->session.Run(Ort::RunOptions{nullptr}, impl_->input_names.data(), &input, 1,
                                     impl_->output_names.data(), impl_->output_names.size());
    // The outputs stay in the runtime's buffers, kept alive by every tensor that views them.
    auto kept = std::make_shared<std::vector<Ort::Value>>(std::move(values));
    std::vector<Tensor> out;
    out.reserve(kept->size());
    for (auto& value : *kept) {
      auto info = value.GetTensorTypeAndShapeInfo();
      if (info.GetElementType() != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
        return Error{Errc::internal, "the model produced a non-float output"};
      }
      Tensor t;
      t.shape = info.GetShape();
      const float* p = value.GetTensorData<float>();
      t.values = std::span<const float>(p, info.GetElementCount());
      t.owner = kept;
      out.push_back(std::move(t));
    }
    return out;
  } catch (const Ort::Exception& e) {
    // ONNX Runtime turns its allocation failures (std::bad_alloc inside, its arena running
    // out) into a status: "bad allocation", "Failed to allocate memory for requested buffer".
    const std::string what = e.what();
    if (what.find("allocat") != std::string::npos) {
      return Error{Errc::unavailable,
                   fmt::format("out of memory while running the model: {}", what)};
    }
    return Error{Errc::internal, fmt::format("inference failed: {}", what)};
  }
}

}  // namespace ov::inference
