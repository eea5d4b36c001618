#pragma once
// The memory one image needs, checked before it is decoded: an image that cannot fit in the
// memory left fails with a clear error, instead of the kernel's OOM killer taking the whole
// process (Linux overcommits: a large allocation rarely fails, the process dies when it
// touches the pages). The estimate comes from the probed header; what is available comes from
// the kernel, now, so it also accounts for whatever else runs on the machine.
#include <cstdint>
#include <optional>

#include "core/error.hpp"
#include "inference/image_probe.hpp"

namespace ov::inference {

// Kept free for everything else the process does (other requests, ONNX Runtime's arena).
inline constexpr std::int64_t kMemoryReserveBytes = 64ll << 20;

// Decoding and detecting one image: the decoded BGR image twice (the EXIF rotation and the
// annotated image's encoding each make a copy), the decoder's own working memory, and one
// batch of input tensors (batch_floats floats) with as much again for the outputs.
std::int64_t image_memory_bytes(const ImageHeader& header, std::int64_t batch_floats);

// Memory this process can still take: the least of MemAvailable (/proc/meminfo), the limit of
// its cgroup v2 and of each parent less their use, and RLIMIT_AS less the address space in
// use. nullopt when none is known.
std::optional<std::int64_t> available_memory_bytes();

// Errc::unavailable, saying how much it needs and how much there is, when `needed` does not
// fit in `available` less kMemoryReserveBytes.
Result<void> check_memory(const ImageHeader& header, std::int64_t needed,
                          std::optional<std::int64_t> available);

}  // namespace ov::inference
