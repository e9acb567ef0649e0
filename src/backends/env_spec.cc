#include "backends/env_spec.h"

#include <fmt/format.h>

#include <charconv>

#include "core/error.h"

namespace nnd::backends {

namespace {

bool is_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return true;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return parts;
}

}  // namespace

EnvSpec EnvSpec::parse(std::string_view text) {
  const std::string quoted = fmt::format("environment '{}'", text);
  EnvSpec env;
  std::string_view rest = text;
  std::string_view options;
  if (size_t comma = rest.find(','); comma != std::string_view::npos) {
    options = rest.substr(comma + 1);
    rest = rest.substr(0, comma);
  }
  if (size_t colon = rest.find(':'); colon != std::string_view::npos) {
    std::string_view level = rest.substr(colon + 1);
    if (level.size() != 2 || (level[0] != 'O' && level[0] != 'o') || level[1] < '0' ||
        level[1] > '3')
      fail("{}: optimization level '{}' is not one of O0, O1, O2, O3", quoted, level);
    env.opt = level[1] - '0';
    rest = rest.substr(0, colon);
  }
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    env.device = std::string(rest.substr(at + 1));
    if (!is_name(env.device)) fail("{}: device '{}' is not a name", quoted, env.device);
    rest = rest.substr(0, at);
  }
  std::vector<std::string_view> steps = split(rest, '+');
  env.framework = std::string(steps[0]);
  if (!is_name(env.framework))
    fail("{}: expected framework[+transform...]@device:Ok[,key=value...]", quoted);
  for (size_t i = 1; i < steps.size(); ++i) {
    if (!is_name(steps[i])) fail("{}: empty or malformed transform '{}'", quoted, steps[i]);
    env.transforms.emplace_back(steps[i]);
  }
  if (!options.empty() || text.find(',') != std::string_view::npos)
    for (std::string_view kv : split(options, ',')) {
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos || !is_name(kv.substr(0, eq)) || eq + 1 == kv.size())
        fail("{}: option '{}' is not key=value", quoted, kv);
      if (!env.options.emplace(kv.substr(0, eq), kv.substr(eq + 1)).second)
        fail("{}: option '{}' is given twice", quoted, kv.substr(0, eq));
    }
  return env;
}

std::string EnvSpec::canonical() const {
  std::string text = framework;
  for (const std::string& t : transforms) text += "+" + t;
  text += fmt::format("@{}:O{}", device, opt);
  for (const auto& [key, value] : options) text += fmt::format(",{}={}", key, value);
  return text;
}

std::string EnvSpec::option(const std::string& key, const std::string& fallback) const {
  auto it = options.find(key);
  return it == options.end() ? fallback : it->second;
}

int EnvSpec::int_option(const std::string& key, int fallback) const {
  auto it = options.find(key);
  if (it == options.end()) return fallback;
  int value = 0;
  const std::string& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size())
    fail("environment '{}': option {}={} is not an integer", canonical(), key, s);
  return value;
}

}  // namespace nnd::backends
