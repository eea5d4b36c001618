#pragma once
// One image's raw outputs -> candidates in model-input pixels, for any family.
#include <vector>

#include "inference/decode.hpp"
#include "inference/model_spec.hpp"
#include "inference/session.hpp"

namespace ov::inference {

std::vector<Candidate> decode_outputs(const ModelSpec& spec, const std::vector<Tensor>& outputs,
                                      const DecodeParams& params);

}  // namespace ov::inference
