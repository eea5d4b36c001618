// GET /api/v1/models
#include <boost/json.hpp>

#include "api/detection_routes.hpp"
#include "api/json_io.hpp"
#include "api/routes.hpp"
#include "inference/engine.hpp"

namespace ov::api {
namespace json = boost::json;

void register_model_routes(http::Router& router, DetectionServices& ds) {
  router.add(never_blocks({"GET",
                           "/api/v1/models",
                           http::AuthMode::bearer,
                           "",
                           {"The loaded detection models", "detection", "", ""},
                           [&ds](http::Context&) {
                             json::array models;
                             for (const auto& m : ds.engine.models()) {
                               json::array labels;
                               for (const auto& l : m.labels) labels.emplace_back(json::string(l));
                               models.emplace_back(
                                   json::object{{"name", m.name},
                                                {"version", m.version},
                                                {"family", inference::to_string(m.family)},
                                                {"input_width", m.input_width},
                                                {"input_height", m.input_height},
                                                {"dynamic_batch", m.dynamic_batch},
                                                {"is_default", m.is_default},
                                                {"labels", std::move(labels)}});
                             }
                             return json_response(200, json::object{{"models", std::move(models)}});
                           }}));
}

}  // namespace ov::api
