#include "render.hpp"

#include <kainjow/mustache.hpp>

#include <fmt/format.h>

namespace ov::mail {
namespace {

namespace mustache = kainjow::mustache;

mustache::data to_data(const TemplateData& in) {
  mustache::data d;
  for (const auto& [key, value] : in.text) d.set(key, value);
  for (const auto& [key, value] : in.flags)
    d.set(key, value ? mustache::data::type::bool_true : mustache::data::type::bool_false);
  for (const auto& [key, items] : in.lists) {
    mustache::data list{mustache::data::type::list};
    for (const auto& item : items) {
      mustache::data entry;
      for (const auto& [k, v] : item) entry.set(k, v);
      list.push_back(entry);
    }
    d.set(key, list);
  }
  return d;
}

Result<std::string> render_one(std::string_view name, const mustache::data& data, bool html) {
  std::string_view text = template_text(name);
  if (text.empty()) return Error{Errc::not_found, fmt::format("no mail template {}", name)};
  mustache::mustache tmpl{std::string(text)};
  if (!tmpl.is_valid()) {
    return Error{Errc::internal, fmt::format("mail template {}: {}", name, tmpl.error_message())};
  }
  if (!html) tmpl.set_custom_escape([](const std::string& s) { return s; });
  return tmpl.render(data);
}

std::string trim_trailing_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

Result<Rendered> render(std::string_view kind, const TemplateData& values) {
  mustache::data data = to_data(values);
  auto subject = render_one(fmt::format("{}.subject", kind), data, false);
  if (!subject) return subject.error();
  auto text = render_one(fmt::format("{}.txt", kind), data, false);
  if (!text) return text.error();
  auto html = render_one(fmt::format("{}.html", kind), data, true);
  if (!html) return html.error();
  Rendered out;
  // A subject is one line, whatever a value held.
  for (char c : trim_trailing_newlines(subject.value()))
    out.subject += (c == '\r' || c == '\n') ? ' ' : c;
  mustache::data layout = data;
  layout.set("subject", out.subject);
  layout.set("content", trim_trailing_newlines(text.value()));
  auto text_page = render_one("layout.txt", layout, false);
  if (!text_page) return text_page.error();
  layout.set("content", html.value());
  // {{{content}}} puts the already-escaped HTML part in as it is.
  auto html_page = render_one("layout.html", layout, true);
  if (!html_page) return html_page.error();
  out.text = text_page.value();
  out.html = html_page.value();
  return out;
}

}  // namespace ov::mail
