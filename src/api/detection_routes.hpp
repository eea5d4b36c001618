#pragma once
// Route registration of the detection API, one function per resource file.
#include "api/detection_services.hpp"
#include "api/services.hpp"
#include "http/router.hpp"

namespace ov::api {

void register_detect_routes(http::Router& router, Services& s, DetectionServices& ds);
void register_job_routes(http::Router& router, Services& s, DetectionServices& ds);
void register_stats_routes(http::Router& router, Services& s);
void register_image_routes(http::Router& router, Services& s, DetectionServices& ds);
void register_model_routes(http::Router& router, DetectionServices& ds);
void register_deepstack_routes(http::Router& router, Services& s, DetectionServices& ds);
void register_api_key_routes(http::Router& router, Services& s);
void register_worker_health_routes(http::Router& router, DetectionServices& ds);

// Everything above, then the account routes and the docs (register_routes of routes.hpp).
void register_all_routes(http::Router& router, Services& s, DetectionServices& ds);

}  // namespace ov::api
