#include "inference/postprocess.hpp"

namespace ov::inference {

std::vector<Candidate> decode_outputs(const ModelSpec& spec, const std::vector<Tensor>& outputs,
                                      const DecodeParams& params) {
  switch (spec.family) {
    case Family::yolov8: {
      const Tensor& t = outputs[spec.output];
      return decode_yolov8(t.values.data(), t.shape[1], t.shape[2], params);
    }
    case Family::yolov5: {
      const Tensor& t = outputs[spec.output];
      return decode_yolov5(t.values.data(), t.shape[1], t.shape[2], params);
    }
    case Family::nanodet: {
      std::vector<Candidate> out;
      const int nc = static_cast<int>(spec.labels.size());
      for (const auto& level : spec.levels) {
        NanoDetLevel view{outputs[level.scores].values.data(),
                          outputs[level.distances].values.data(), level.cells, level.grid_w,
                          level.stride};
        decode_nanodet(view, nc, spec.reg_max, params, out);
      }
      return out;
    }
  }
  return {};
}

}  // namespace ov::inference
