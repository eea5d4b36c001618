#include "objstore/s3_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include <fmt/format.h>

namespace ov::objstore {

struct S3Client::Call {
  std::string method;  // GET, PUT, HEAD, DELETE
  std::string key;     // as stored (prefix included); empty: the bucket
  sigv4::Fields query;
  sigv4::Fields headers;  // besides the signature's own
  std::string_view body;  // of a PUT
  std::string what;       // for messages: "PUT a/b.jpg"
};

struct S3Client::Reply {
  long status = 0;
  std::string body;
  sigv4::Fields headers;  // names lower-cased
};

namespace {

constexpr std::size_t kIdleHandles = 8;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw std::runtime_error("curl_global_init failed");
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view header_of(const sigv4::Fields& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return {};
}

// The text of the first <tag>…</tag> after `from`, XML entities decoded; nullopt when none.
std::optional<std::string> xml_text(std::string_view xml, std::string_view tag,
                                    std::size_t* from = nullptr) {
  const std::string open = fmt::format("<{}>", tag);
  const std::string close = fmt::format("</{}>", tag);
  std::size_t start = xml.find(open, from ? *from : 0);
  if (start == std::string_view::npos) return std::nullopt;
  start += open.size();
  std::size_t end = xml.find(close, start);
  if (end == std::string_view::npos) return std::nullopt;
  if (from) *from = end + close.size();
  std::string_view raw = xml.substr(start, end - start);
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out.push_back(raw[i]);
      continue;
    }
    std::size_t semi = raw.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    std::string_view entity = raw.substr(i + 1, semi - i - 1);
    if (entity == "amp")
      out.push_back('&');
    else if (entity == "lt")
      out.push_back('<');
    else if (entity == "gt")
      out.push_back('>');
    else if (entity == "quot")
      out.push_back('"');
    else if (entity == "apos")
      out.push_back('\'');
    else if (entity.size() > 1 && entity[0] == '#') {
      unsigned long code = entity[1] == 'x' ? std::stoul(std::string(entity.substr(2)), nullptr, 16)
                                            : std::stoul(std::string(entity.substr(1)));
      if (code < 0x80) out.push_back(static_cast<char>(code));  // keys we write are ASCII
    } else {
      out.append(raw.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

Error store_error(std::string_view what, long status, std::string_view body) {
  std::string code = xml_text(body, "Code").value_or("");
  std::string message = xml_text(body, "Message").value_or("");
  std::string text =
      fmt::format("object store: {}: HTTP {}{}{}{}", what, status, code.empty() ? "" : " ", code,
                  message.empty() ? "" : ": " + message);
  Errc errc = Errc::internal;
  if (status == 404)
    errc = Errc::not_found;
  else if (status == 403 && code != "QuotaExceeded")
    errc = Errc::forbidden;
  else if (status == 507 || code == "QuotaExceeded" || code == "XMinioStorageFull")
    errc = Errc::no_space;
  else if (status >= 500)
    errc = Errc::unavailable;
  else if (status == 416)
    errc = Errc::invalid_argument;
  return Error{errc, std::move(text)};
}

bool retryable(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

struct Upload {
  std::string_view data;
  std::size_t sent = 0;
};

std::size_t read_body(char* out, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, up->data.size() - up->sent);
  std::memcpy(out, up->data.data() + up->sent, n);
  up->sent += n;
  return n;
}

int rewind_body(void* user, curl_off_t offset, int origin) {
  auto* up = static_cast<Upload*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<std::size_t>(offset) > up->data.size())
    return CURL_SEEKFUNC_FAIL;
  up->sent = static_cast<std::size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

std::size_t write_body(char* in, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(in, size * count);
  return size * count;
}

std::size_t write_header(char* in, std::size_t size, std::size_t count, void* user) {
  std::string_view line(in, size * count);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.remove_suffix(1);
    static_cast<sigv4::Fields*>(user)->emplace_back(lower(line.substr(0, colon)),
                                                    std::string(value));
  }
  return size * count;
}

}  // namespace

struct S3Client::Handles {
  std::mutex mu;
  std::vector<CURL*> idle;

  ~Handles() {
    for (CURL* h : idle) curl_easy_cleanup(h);
  }
  CURL* take() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    CURL* h = curl_easy_init();
    if (h == nullptr) throw std::runtime_error("curl_easy_init failed");
    return h;
  }
  void give(CURL* h) {
    curl_easy_reset(h);  // keeps its connections
    std::lock_guard lock(mu);
    if (idle.size() < kIdleHandles) {
      idle.push_back(h);
      return;
    }
    curl_easy_cleanup(h);
  }
};

S3Client::S3Client(S3Settings settings)
    : settings_(std::move(settings)), handles_(std::make_unique<Handles>()) {
  if (settings_.bucket.empty()) throw std::invalid_argument("an S3 store needs a bucket");
  if (settings_.endpoint.find("://") == std::string::npos)
    throw std::invalid_argument("an S3 endpoint is a URL: http://host:port or https://host");
  while (settings_.endpoint.ends_with('/')) settings_.endpoint.pop_back();
  settings_.attempts = std::max(settings_.attempts, 1);
  settings_.list_page_size = std::clamp(settings_.list_page_size, 1, 1000);
  init_curl_once();
}

S3Client::~S3Client() = default;

S3Client::Target S3Client::target(std::string_view key) const {
  const std::string& endpoint = settings_.endpoint;
  auto scheme_end = endpoint.find("://");
  std::string scheme = endpoint.substr(0, scheme_end);
  std::string rest = endpoint.substr(scheme_end + 3);
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string base = slash == std::string::npos ? "" : rest.substr(slash);  // a path prefix
  if (settings_.path_style) {
    std::string path = base + "/" + settings_.bucket;
    if (!key.empty()) path += "/" + std::string(key);
    return {scheme, authority, path};
  }
  return {scheme, settings_.bucket + "." + authority, base + "/" + std::string(key)};
}

Result<S3Client::Reply> S3Client::send(const Call& call) const {
  const Target where = target(call.key);
  const std::string payload_sha256 = sigv4::sha256_hex(call.body);
  const sigv4::Scope scope{settings_.region, "s3"};
  std::chrono::milliseconds pause = settings_.first_retry_pause;
  for (int attempt = 1;; ++attempt) {
    sigv4::Request request{call.method, where.host,   where.path,
                           call.query,  call.headers, payload_sha256};
    const std::string date = sigv4::amz_date(std::chrono::system_clock::now());
    request.headers.emplace_back("x-amz-date", date);
    request.headers.emplace_back("x-amz-content-sha256", payload_sha256);
    if (!settings_.credentials.session_token.empty())
      request.headers.emplace_back("x-amz-security-token", settings_.credentials.session_token);
    const std::string authorization =
        sigv4::authorization(request, settings_.credentials, scope, date);

    std::string url =
        fmt::format("{}://{}{}", where.scheme, where.host, sigv4::uri_encode(where.path, true));
    for (std::size_t i = 0; i < call.query.size(); ++i) {
      url += i == 0 ? '?' : '&';
      url += sigv4::uri_encode(call.query[i].first, false) + "=" +
             sigv4::uri_encode(call.query[i].second, false);
    }

    curl_slist* headers = nullptr;
    auto add = [&](const std::string& line) { headers = curl_slist_append(headers, line.c_str()); };
    add("Host: " + where.host);
    for (const auto& [name, value] : request.headers) add(name + ": " + value);
    add("Authorization: " + authorization);
    add("Expect:");  // no 100-continue round trip

    Reply reply;
    Upload upload{call.body};
    CURL* h = handles_->take();
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(settings_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.request_timeout.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &reply.headers);
    if (call.method == "PUT") {
      curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(h, CURLOPT_READFUNCTION, read_body);
      curl_easy_setopt(h, CURLOPT_READDATA, &upload);
      curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, rewind_body);
      curl_easy_setopt(h, CURLOPT_SEEKDATA, &upload);
      curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(call.body.size()));
    } else if (call.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (call.method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
    handles_->give(h);
    curl_slist_free_all(headers);

    bool again = rc != CURLE_OK ? retryable(rc) : reply.status >= 500;
    if (again && attempt < settings_.attempts) {
      std::this_thread::sleep_for(pause);
      pause *= 2;
      continue;
    }
    if (rc != CURLE_OK) {
      return Error{Errc::unavailable, fmt::format("object store: {}: {} ({} at {}, {} attempt{})",
                                                  call.what, curl_easy_strerror(rc), where.scheme,
                                                  where.host, attempt, attempt == 1 ? "" : "s")};
    }
    return reply;
  }
}

Result<void> S3Client::put(std::string_view key, std::string_view data,
                           std::string_view content_type) {
  Call call{"PUT", settings_.prefix + std::string(key),
            {},    {{"content-type", std::string(content_type)}},
            data,  fmt::format("PUT {}", key)};
  auto reply = send(call);
  if (!reply) return reply.error();
  if (reply->status != 200) return store_error(call.what, reply->status, reply->body);
  return {};
}

Result<std::string> S3Client::get(std::string_view key) const {
  Call call{"GET", settings_.prefix + std::string(key), {}, {}, {}, fmt::format("GET {}", key)};
  auto reply = send(call);
  if (!reply) return reply.error();
  if (reply->status != 200) return store_error(call.what, reply->status, reply->body);
  return std::move(reply->body);
}

Result<std::string> S3Client::get_range(std::string_view key, std::uint64_t first,
                                        std::uint64_t last) const {
  if (last < first) return Error{Errc::invalid_argument, "a byte range ends before it starts"};
  Call call{"GET", settings_.prefix + std::string(key),
            {},    {{"range", fmt::format("bytes={}-{}", first, last)}},
            {},    fmt::format("GET {} bytes {}-{}", key, first, last)};
  auto reply = send(call);
  if (!reply) return reply.error();
  if (reply->status == 206) return std::move(reply->body);
  if (reply->status == 200) {  // a store that ignores Range: cut the whole object here
    std::string& all = reply->body;
    if (first >= all.size()) return Error{Errc::invalid_argument, "the range starts past the end"};
    return all.substr(first, std::min<std::uint64_t>(last - first + 1, all.size() - first));
  }
  return store_error(call.what, reply->status, reply->body);
}

Result<ObjectInfo> S3Client::head(std::string_view key) const {
  Call call{"HEAD", settings_.prefix + std::string(key), {}, {}, {}, fmt::format("HEAD {}", key)};
  auto reply = send(call);
  if (!reply) return reply.error();
  if (reply->status != 200) return store_error(call.what, reply->status, reply->body);
  ObjectInfo info;
  std::string length(header_of(reply->headers, "content-length"));
  info.size = length.empty() ? 0 : std::stoull(length);
  info.etag = std::string(header_of(reply->headers, "etag"));
  return info;
}

Result<void> S3Client::remove(std::string_view key) {
  Call call{"DELETE", settings_.prefix + std::string(key), {}, {},
            {},       fmt::format("DELETE {}", key)};
  auto reply = send(call);
  if (!reply) return reply.error();
  if (reply->status != 204 && reply->status != 200 && reply->status != 404)
    return store_error(call.what, reply->status, reply->body);
  return {};
}

Result<std::vector<std::string>> S3Client::list(std::string_view key_prefix) const {
  std::vector<std::string> keys;
  std::string token;
  const std::string prefix = settings_.prefix + std::string(key_prefix);
  for (;;) {
    Call call{"GET",
              "",
              {{"list-type", "2"},
               {"prefix", prefix},
               {"max-keys", std::to_string(settings_.list_page_size)}},
              {},
              {},
              fmt::format("LIST {}", key_prefix)};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    auto reply = send(call);
    if (!reply) return reply.error();
    if (reply->status != 200) return store_error(call.what, reply->status, reply->body);
    std::size_t at = 0;
    while (auto key = xml_text(reply->body, "Key", &at)) {
      if (key->starts_with(settings_.prefix)) keys.push_back(key->substr(settings_.prefix.size()));
    }
    if (xml_text(reply->body, "IsTruncated").value_or("false") != "true") break;
    token = xml_text(reply->body, "NextContinuationToken").value_or("");
    if (token.empty()) break;
  }
  return keys;
}

Result<void> S3Client::probe() const {
  Call call{"GET", "", {{"list-type", "2"}, {"prefix", settings_.prefix}, {"max-keys", "1"}},
            {},    {}, "LIST (probe)"};
  auto reply = send(call);
  if (!reply) return reply.error();
  if (reply->status != 200) return store_error(call.what, reply->status, reply->body);
  return {};
}

Result<void> S3Client::remove_prefix(std::string_view key_prefix) {
  auto keys = list(key_prefix);
  if (!keys) return keys.error();
  for (const std::string& key : *keys) {
    if (auto removed = remove(key); !removed) return removed.error();
  }
  return {};
}

std::string S3Client::presigned_get(std::string_view key, std::chrono::seconds ttl,
                                    std::chrono::system_clock::time_point now) const {
  const Target where = target(settings_.prefix + std::string(key));
  sigv4::Request request{"GET", where.host, where.path, {}, {}, ""};
  return sigv4::presign(request, settings_.credentials, {settings_.region, "s3"},
                        sigv4::amz_date(now), static_cast<int>(ttl.count()), where.scheme);
}

}  // namespace ov::objstore
