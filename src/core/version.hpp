#pragma once
// The version of ObjectVision, as every surface reports it (CLI, /health, the OpenAPI document,
// the CodeProject.AI status routes).
namespace ov {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace ov
