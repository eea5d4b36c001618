#include <cstring>
#include <fstream>
#include <sstream>

#include "config/config.hpp"

namespace ov::config {
namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string unquote(std::string value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    char q = value.front();
    value = value.substr(1, value.size() - 2);
    if (q == '"') {
      std::string out;
      for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) {
          char n = value[++i];
          out.push_back(n == 'n' ? '\n' : n);
        } else {
          out.push_back(value[i]);
        }
      }
      return out;
    }
    return value;
  }
  // Unquoted: an inline comment starts at " #".
  auto hash = value.find(" #");
  if (hash != std::string::npos) value = trim(value.substr(0, hash));
  return value;
}

void read_file_into(const std::string& path, Vars& vars) {
  std::ifstream in(path);
  if (!in) return;
  std::stringstream ss;
  ss << in.rdbuf();
  for (auto& [k, v] : parse_dotenv(ss.str())) vars[k] = v;
}

}  // namespace

Vars parse_dotenv(const std::string& text) {
  Vars vars;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq));
    if (key.empty()) continue;
    vars[key] = unquote(trim(line.substr(eq + 1)));
  }
  return vars;
}

Vars read_vars(const std::string& dir, char** environ_vars) {
  Vars process;
  for (char** e = environ_vars; e && *e; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq)
      process.emplace(std::string(*e, static_cast<std::size_t>(eq - *e)), std::string(eq + 1));
  }
  Vars vars;
  read_file_into(dir + "/.env", vars);
  std::string environment = process.count("ENVIRONMENT") ? process["ENVIRONMENT"]
                            : vars.count("ENVIRONMENT")  ? vars["ENVIRONMENT"]
                                                         : "development";
  if (environment.find('/') == std::string::npos) {
    read_file_into(dir + "/.env." + environment, vars);
  }
  for (auto& [k, v] : process) vars[k] = v;
  return vars;
}

}  // namespace ov::config
