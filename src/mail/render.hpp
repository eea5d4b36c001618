#pragma once
// Mail from templates (src/mail/templates, built into the binary): <kind>.subject, <kind>.txt and
// <kind>.html, the last two inside layout.txt / layout.html. Rendered with kainjow mustache;
// values are HTML-escaped in the HTML part ({{name}}) and left as they are in the subject and
// the text part.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ov::mail {

struct TemplateData {
  std::map<std::string, std::string> text;
  std::map<std::string, bool> flags;  // sections: {{#name}}...{{/name}}
  std::map<std::string, std::vector<std::map<std::string, std::string>>> lists;
};

struct Rendered {
  std::string subject;
  std::string text;
  std::string html;
};

// Errc::not_found for an unknown kind, Errc::internal for a template that does not parse.
Result<Rendered> render(std::string_view kind, const TemplateData& data);

// The embedded template of that name ("welcome.html"), empty when there is none.
std::string_view template_text(std::string_view name);

}  // namespace ov::mail
