#pragma once
// The request pipeline of `objectvision serve` without its sockets, for the request fuzz
// target: the embedded runtime (SQLite, the in-process queue and event bus, the default model)
// in a temporary directory, the real route table, rate limits, CORS and authentication, with
// the cheapest Argon2 cost, no in-process workers, no waiting for jobs, and the unit tests'
// planted-output models (cheap) instead of the default model (a DeepStack request runs one).
//
// Inputs name live credentials by placeholders that are replaced before a request is handled:
// $USER_TOKEN and $ADMIN_TOKEN (bearer access tokens of an ordinary user and of an admin),
// $USER_ID (the ordinary user's id), $REFRESH_TOKEN (a fresh refresh token of that user) and
// $JOB_ID (a job of that user, queued at start). An account that an input deleted, deactivated
// or logged out is made anew before the next input.
#include <memory>
#include <string>

#include "http/message.hpp"
#include "http/pipeline.hpp"

namespace ov::fuzz {

class HttpHarness {
 public:
  // Builds everything; exits the process with a message when that fails.
  HttpHarness();
  ~HttpHarness();
  HttpHarness(const HttpHarness&) = delete;
  HttpHarness& operator=(const HttpHarness&) = delete;

  std::size_t max_header_bytes() const;
  std::size_t max_body_bytes() const;

  void refresh_accounts();                   // before each input
  std::string substitute(std::string text);  // the placeholders above
  std::string refresh_token();               // a newly issued refresh token of the user
  http::Response handle(const http::Request& request) const;
  http::Admission admit(const http::Request& head) const;  // the server's two phases
  http::Response run(const http::Request& request, http::Admission& admission) const;
  void finish_rejected(const http::Request& request, http::Response& response) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ov::fuzz
