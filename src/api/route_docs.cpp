#include "api/route_docs.hpp"

#include <string>

namespace ov::api::docs {
namespace {

std::string ref(std::string_view name) {
  return R"({"$ref":"#/components/schemas/)" + std::string(name) + R"("})";
}

std::string json_body(std::string_view schema) {
  return R"({"required":true,"content":{"application/json":{"schema":)" + std::string(schema) +
         "}}}";
}

std::string reply(std::string_view code, std::string_view description, std::string_view schema) {
  std::string out =
      "\"" + std::string(code) + R"(":{"description":")" + std::string(description) + "\"";
  if (!schema.empty()) {
    out += R"(,"content":{"application/json":{"schema":)" + std::string(schema) + "}}";
  }
  return out + "}";
}

std::string error(std::string_view code, std::string_view description) {
  return reply(code, description, ref(code == "422" ? "HTTPValidationError" : "HTTPError"));
}

http::RouteDoc doc(std::string_view summary, std::string_view tag, std::string request,
                   std::initializer_list<std::string> replies) {
  std::string responses = "{";
  for (const auto& r : replies) responses += (responses.size() > 1 ? "," : "") + r;
  responses += "}";
  return http::RouteDoc{std::string(summary), std::string(tag), std::move(request), responses};
}

}  // namespace

http::RouteDoc health(std::string_view summary) {
  return doc(summary, "health", "",
             {reply("200", "Healthy", ref("Health")), reply("503", "Unhealthy", ref("Health"))});
}

http::RouteDoc signup() {
  return doc(
      "Create an account", "auth", json_body(ref("SignupRequest")),
      {reply("201", "The new user", ref("User")), error("409", "Email already registered"),
       error("415", "Not JSON"), error("422", "Invalid input"), error("429", "Too many requests")});
}

http::RouteDoc login() {
  return doc("Log in (JSON or OAuth2 password form)", "auth",
             R"({"required":true,"content":{"application/json":{"schema":)" + ref("LoginRequest") +
                 R"(},"application/x-www-form-urlencoded":{"schema":)" + ref("OAuth2PasswordForm") +
                 "}}}",
             {reply("200", "Access and refresh tokens", ref("Tokens")),
              error("401", "Incorrect email or password"), error("403", "Inactive user"),
              error("422", "Invalid input"), error("429", "Too many requests")});
}

http::RouteDoc refresh() {
  return doc("Rotate a refresh token", "auth", json_body(ref("RefreshRequest")),
             {reply("200", "A new token pair", ref("Tokens")),
              error("401", "Invalid, expired, revoked or reused refresh token"),
              error("422", "Invalid input")});
}

http::RouteDoc logout() {
  return doc("Log out: blacklist the access token, revoke the refresh family", "auth",
             R"({"required":false,"content":{"application/json":{"schema":)" +
                 ref("RefreshRequest") + "}}}",
             {reply("204", "Logged out", ""), error("401", "Not authenticated")});
}

http::RouteDoc get_profile() {
  return doc("The caller's profile", "users", "",
             {reply("200", "The caller", ref("User")), error("401", "Not authenticated")});
}

http::RouteDoc get_user() {
  return doc("A user (yourself, or anyone for an admin)", "users", "",
             {reply("200", "The user", ref("User")), error("401", "Not authenticated"),
              error("404", "No such user"), error("422", "Not a UUID")});
}

http::RouteDoc patch_user() {
  return doc("Change name, password, settings (and role / is_active for admins)", "users",
             json_body(ref("UserPatch")),
             {reply("200", "The updated user", ref("User")), error("401", "Not authenticated"),
              error("403", "Wrong current password, or not an admin"), error("404", "No such user"),
              error("422", "Invalid input")});
}

namespace {

std::string upload_body(bool batch) {
  const std::string file =
      batch
          ? R"("images":{"type":"array","items":{"type":"string","format":"binary"},"description":"The images (JPEG, PNG, WebP, BMP, TIFF), at most MAX_BATCH_IMAGES"})"
          : R"("image":{"type":"string","format":"binary","description":"The image (JPEG, PNG, WebP, BMP, TIFF); the field may also be named file"})";
  return R"({"required":true,"content":{"multipart/form-data":{"schema":{"type":"object","required":[")" +
         std::string(batch ? "images" : "image") + R"("],"properties":{)" + file +
         R"(,"confidence":{"type":"number","minimum":0,"maximum":1,"description":"Minimum confidence, CONFIDENCE_THRESHOLD by default"
},)"
         R"("iou":{"type":"number","minimum":0,"maximum":1,"description":"NMS IoU threshold"},)"
         R"("max_detections":{"type":"integer","minimum":1,"maximum":1000},)"
         R"("classes":{"type":"string","description":"Comma-separated class names the model knows; others are dropped"},)"
         R"("model":{"type":"string","description":"A loaded model (GET /api/v1/models); the default when absent"},)"
         R"("annotate":{"type":"boolean","default":true,"description":"Offer an annotated copy (annotated_url), drawn when first fetched"},)"
         R"("name":{"type":"string","maxLength":200},)"
         R"("tile":{"type":"string","pattern":"^[0-9]+x[0-9]+$","description":"Detect in tiles of WIDTHxHEIGHT (small objects in large images); at most MAX_TILES"},)"
         R"("tile_overlap":{"type":"number","minimum":0,"maximum":0.9,"default":0.2}}}}}})";
}

std::string upload_replies() {
  return R"("202":{"description":"Accepted: a durable job","headers":{"Location":{"description":"The job's URL","schema":{"type":"string"}}},"content":{"application/json":{"schema":)" +
         ref("JobAccepted") + "}}}," +
         reply("200", "With ?wait=true, when the job ended in time: the finished job", ref("Job")) +
         "," + error("400", "Malformed multipart body") + "," + error("401", "Not authenticated") +
         "," + error("413", "Body over MAX_UPLOAD_MB") + "," +
         error("415", "Not multipart/form-data, or not an image format we read") + "," +
         error("422", "Invalid field, unknown model or class, too many pixels or tiles") + "," +
         R"("429":{"description":"Too many jobs in flight, or a full queue","headers":{"Retry-After":{"schema":{"type":"integer"}}},"content":{"application/json":{"schema":)" +
         ref("HTTPError") + "}}}," +
         R"("503":{"description":"The file store (STORAGE_URL) cannot be reached","headers":{"Retry-After":{"schema":{"type":"integer"}}},"content":{"application/json":{"schema":)" +
         ref("HTTPError") + "}}}," + error("507", "No space left for the upload");
}

constexpr const char* kWaitParameter =
    R"([{"name":"wait","in":"query","required":false,"schema":{"type":"boolean","default":false},"description":"Answer 200 with the finished job when it ends within WAIT_TIMEOUT_SECONDS (else 202 as usual); no thread waits"}])";

}  // namespace

http::RouteDoc detect_image() {
  auto d = doc("Detect objects in one image (a durable job)", "detection", upload_body(false), {});
  d.responses = "{" + upload_replies() + "}";
  d.query = kWaitParameter;
  return d;
}

http::RouteDoc detect_batch() {
  auto d =
      doc("Detect objects in several images (one durable job)", "detection", upload_body(true), {});
  d.responses = "{" + upload_replies() + "}";
  d.query = kWaitParameter;
  return d;
}

http::RouteDoc get_job() {
  return doc("A job: status, progress, per-image results", "detection", "",
             {reply("200", "The job", ref("Job")), error("401", "Not authenticated"),
              error("404", "No such job (or someone else's)"), error("422", "Not a UUID")});
}

http::RouteDoc delete_job() {
  return doc("Cancel a queued or running job, or delete a finished one", "detection", "",
             {reply("202", "Cancelled", ref("JobAccepted")), reply("204", "Deleted", ""),
              error("401", "Not authenticated"), error("404", "No such job (or someone else's)"),
              error("422", "Not a UUID")});
}

http::RouteDoc history() {
  auto d = doc("The caller's jobs, newest first, with counts per class", "detection", "",
               {reply("200", "A page of jobs", ref("HistoryPage")),
                error("401", "Not authenticated"), error("422", "Invalid query")});
  d.query =
      R"([{"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":100,"default":10}},)"
      R"({"name":"offset","in":"query","schema":{"type":"integer","minimum":0,"default":0}},)"
      R"({"name":"status","in":"query","schema":{"type":"string","enum":["queued","processing","completed","failed","cancelled"]}},)"
      R"({"name":"class","in":"query","description":"Only jobs where an object of this class was found","schema":{"type":"string","maxLength":100}}])";
  return d;
}

http::RouteDoc image(bool annotated) {
  return doc(
      annotated ? "The image with boxes, labels and scores drawn: drawn from the original and "
                  "the recorded boxes the first time it is asked for, then kept"
                : "The uploaded image",
      "detection", "",
      {R"("200":{"description":"The image; a Range request answers 206","content":{"image/*":{"schema":{"type":"string","format":"binary"}}}})",
       reply("304", "Not modified (If-None-Match)", ""),
       R"("307":{"description":"With S3_PRESIGN_SECONDS: a presigned URL of the object store serves the image","headers":{"Location":{"schema":{"type":"string"}}}})",
       error("404", annotated ? "No such image (or someone else's), or none drawn yet"
                              : "No such image (or someone else's)"),
       error("410", "Deleted after the retention period (RETENTION_DAYS); the results are kept"),
       error("416", "Range not satisfiable"), error("422", "Not a UUID"),
       R"("503":{"description":"The file store (STORAGE_URL) cannot be reached","headers":{"Retry-After":{"schema":{"type":"integer"}}},"content":{"application/json":{"schema":)" +
           ref("HTTPError") + "}}}"});
}

http::RouteDoc stats() {
  return doc(
      "The caller's totals, objects per class and figures per day (?from, ?to: YYYY-MM-DD, UTC, "
      "the last 30 days by default)",
      "detection", "",
      {reply("200", "The figures", R"({"type":"object"})"),
       error("422", "Not a date, from after to, or more than 366 days")});
}

http::RouteDoc rotate_api_key() {
  return doc("Create or rotate the user's API key (shown once)", "users", "",
             {reply("201", "The new key",
                    R"({"type":"object","properties":{"api_key":{"type":"string"}}})"),
              error("404", "No such user (or someone else, for a non-admin)"),
              error("422", "Not a UUID")});
}

http::RouteDoc revoke_api_key() {
  return doc(
      "Revoke the user's API key", "users", "",
      {reply("204", "Revoked", ""), error("404", "No such user (or someone else, for a non-admin)"),
       error("422", "Not a UUID")});
}

namespace {

std::string deepstack_failure(std::string_view code, std::string_view description) {
  return reply(code, description, ref("DeepStackError"));
}

}  // namespace

http::RouteDoc deepstack(bool custom) {
  auto d = doc(
      custom ? "DeepStack / CodeProject.AI detection with a named model or alias (synchronous)"
             : "DeepStack / CodeProject.AI detection with the default model (synchronous)",
      "compatibility",
      R"({"required":true,"content":{"multipart/form-data":{"schema":{"type":"object","required":["image"],"properties":{)"
      R"("image":{"type":"string","format":"binary","description":"The image; any file part when no part is named image"},)"
      R"("min_confidence":{"type":"number","minimum":0,"maximum":1,"default":0.4},)"
      R"("api_key":{"type":"string","description":"The user's API key, instead of the X-API-Key header"}}}}}})",
      {reply("200", "The objects, highest confidence first (at most DEEPSTACK_MAX_PREDICTIONS)",
             ref("DeepStackResult")),
       deepstack_failure("400", "No valid image file found, or a bad min_confidence"),
       deepstack_failure("401", "Incorrect api key, or none (unless DEEPSTACK_ANONYMOUS)"),
       deepstack_failure("404", custom ? "No such model or alias" : "Not found"),
       deepstack_failure("413", "Too many pixels"),
       deepstack_failure("415", "Not an image format we read"),
       deepstack_failure("422", "Invalid request"),
       deepstack_failure("503",
                         "Every inference slot is busy, or the detection did not finish "
                         "in time")});
  // The key may come as the api_key form field too, which a security scheme cannot say; with
  // DEEPSTACK_ANONYMOUS=true none is needed.
  d.security = R"([{},{"APIKeyHeader":[]},{"bearerAuth":[]},{"OAuth2PasswordBearer":[]}])";
  return d;
}

http::RouteDoc deepstack_models() {
  return doc("The models and aliases the custom route serves (CodeProject.AI)", "compatibility", "",
             {reply("200", "Their names", ref("DeepStackModels"))});
}

http::RouteDoc deepstack_ping() {
  return doc("CodeProject.AI's server ping", "compatibility", "",
             {reply("200", "The server answers", ref("DeepStackPing"))});
}

http::RouteDoc deepstack_update() {
  return doc(
      "CodeProject.AI's update check: never an update (ObjectVision updates with the "
      "system)",
      "compatibility", "", {reply("200", "The current version", ref("DeepStackUpdate"))});
}

http::RouteDoc deepstack_unserved() {
  auto d = doc("A DeepStack / CodeProject.AI module ObjectVision does not serve", "compatibility",
               "", {deepstack_failure("404", "Object detection only")});
  d.hidden = true;  // not ours: only a clear answer for those clients
  return d;
}

std::string_view component_schemas() {
  return R"({
  "HTTPError": {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
  "HTTPValidationError": {"type": "object", "properties": {"detail": {"type": "array", "items": {
    "type": "object", "properties": {"loc": {"type": "array", "items": {"type": "string"}},
    "msg": {"type": "string"}, "type": {"type": "string"}}}}}},
  "Health": {"type": "object", "properties": {"status": {"type": "string"}}},
  "SignupRequest": {"type": "object", "required": ["email", "password"], "properties": {
    "email": {"type": "string", "format": "email", "maxLength": 254},
    "password": {"type": "string", "minLength": 8, "maxLength": 128},
    "name": {"type": "string", "maxLength": 100}}},
  "LoginRequest": {"type": "object", "required": ["email", "password"], "properties": {
    "email": {"type": "string", "format": "email"}, "password": {"type": "string"}}},
  "OAuth2PasswordForm": {"type": "object", "required": ["username", "password"], "properties": {
    "username": {"type": "string"}, "password": {"type": "string"},
    "grant_type": {"type": "string"}, "scope": {"type": "string"}}},
  "RefreshRequest": {"type": "object", "required": ["refresh_token"], "properties": {
    "refresh_token": {"type": "string"}}},
  "Tokens": {"type": "object", "properties": {"access_token": {"type": "string"},
    "refresh_token": {"type": "string"}, "token_type": {"type": "string", "enum": ["bearer"]},
    "expires_in": {"type": "integer", "description": "Seconds the access token lives"}}},
  "UserSettings": {"type": "object", "properties": {
    "theme": {"type": "string", "enum": ["light", "dark", "system"]},
    "notifications": {"type": "boolean", "description": "The job-finished mail"},
    "daily_report": {"type": "boolean", "description": "The daily report mail; off by default"},
    "has_api_key": {"type": "boolean", "readOnly": true}}},
  "User": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
    "email": {"type": "string", "format": "email"}, "name": {"type": "string"},
    "role": {"type": "string", "enum": ["user", "admin"]}, "is_active": {"type": "boolean"},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "settings": {"$ref": "#/components/schemas/UserSettings"}}},
  "UserPatch": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 100},
    "current_password": {"type": "string"}, "new_password": {"type": "string", "minLength": 8},
    "keep_api_key": {"type": "boolean", "default": false,
      "description": "With new_password: keep the API key (cameras) instead of revoking it"},
    "settings": {"type": "object", "properties": {
      "theme": {"type": "string", "enum": ["light", "dark", "system"]},
      "notifications": {"type": "boolean"}, "daily_report": {"type": "boolean"}}},
    "role": {"type": "string", "enum": ["user", "admin"], "description": "admins only"},
    "is_active": {"type": "boolean", "description": "admins only"}}},
  "JobAccepted": {"type": "object", "properties": {"job_id": {"type": "string", "format": "uuid"},
    "detection_id": {"type": "string", "format": "uuid"},
    "status": {"type": "string", "enum": ["queued", "cancelled"]}}},
  "Box": {"type": "object", "properties": {"x1": {"type": "number"}, "y1": {"type": "number"},
    "x2": {"type": "number"}, "y2": {"type": "number"}, "width": {"type": "number"},
    "height": {"type": "number"}}},
  "DetectedObject": {"type": "object", "properties": {"class": {"type": "string"},
    "class_id": {"type": "integer"}, "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    "bbox": {"$ref": "#/components/schemas/Box", "description": "in pixels of the (EXIF-oriented) image"},
    "bbox_normalized": {"$ref": "#/components/schemas/Box", "description": "0..1 of the image's size"}}},
  "JobImage": {"type": "object", "properties": {"image_id": {"type": "string", "format": "uuid"},
    "filename": {"type": "string"}, "width": {"type": ["integer", "null"]},
    "height": {"type": ["integer", "null"]},
    "status": {"type": "string", "enum": ["pending", "completed", "failed"]},
    "error": {"type": ["string", "null"]}, "original_url": {"type": "string"},
    "annotated_url": {"type": ["string", "null"]},
    "detections": {"type": "array", "items": {"$ref": "#/components/schemas/DetectedObject"}}}},
  "Job": {"type": "object", "properties": {"job_id": {"type": "string", "format": "uuid"},
    "detection_id": {"type": "string", "format": "uuid"}, "name": {"type": "string"},
    "status": {"type": "string", "enum": ["queued", "processing", "completed", "failed", "cancelled"]},
    "progress": {"type": "object", "properties": {"done": {"type": "integer"}, "total": {"type": "integer"}}},
    "created_at": {"type": "string", "format": "date-time"},
    "started_at": {"type": ["string", "null"], "format": "date-time"},
    "finished_at": {"type": ["string", "null"], "format": "date-time"},
    "duration_ms": {"type": ["integer", "null"]}, "error": {"type": ["string", "null"]},
    "params": {"type": "object"},
    "images": {"type": "array", "items": {"$ref": "#/components/schemas/JobImage"}}}},
  "DeepStackPrediction": {"type": "object", "properties": {"label": {"type": "string"},
    "confidence": {"type": "number"}, "y_min": {"type": "integer"}, "x_min": {"type": "integer"},
    "y_max": {"type": "integer"}, "x_max": {"type": "integer"}}},
  "DeepStackResult": {"type": "object", "properties": {"success": {"type": "boolean"},
    "predictions": {"type": "array", "items": {"$ref": "#/components/schemas/DeepStackPrediction"}},
    "count": {"type": "integer"}, "message": {"type": "string"}, "duration": {"type": "integer"},
    "inferenceMs": {"type": "integer"}, "processMs": {"type": "integer"},
    "analysisRoundTripMs": {"type": "integer"}, "moduleId": {"type": "string"},
    "moduleName": {"type": "string"}, "code": {"type": "integer"}, "command": {"type": "string"},
    "requestId": {"type": "string"}, "inferenceDevice": {"type": "string"},
    "processedBy": {"type": "string"}, "timestampUTC": {"type": "string"}}},
  "DeepStackError": {"type": "object", "properties": {"success": {"type": "boolean"},
    "error": {"type": "string"}, "duration": {"type": "integer"}, "code": {"type": "integer"}}},
  "DeepStackModels": {"type": "object", "properties": {"success": {"type": "boolean"},
    "models": {"type": "array", "items": {"type": "string"}}}},
  "DeepStackPing": {"type": "object", "properties": {"success": {"type": "boolean"},
    "message": {"type": "string"}, "version": {"type": "string"},
    "timestampUTC": {"type": "string"}}},
  "DeepStackUpdate": {"type": "object", "properties": {"success": {"type": "boolean"},
    "message": {"type": "string"}, "version": {"type": "object"}, "current": {"type": "object"},
    "latest": {"type": "object"}, "updateAvailable": {"type": "boolean"}}},
  "HistoryPage": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}},
    "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"}}}
})";
}

}  // namespace ov::api::docs
