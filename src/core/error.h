#pragma once
// Two kinds of errors. A UserError is the user's input at fault (a bad model, image, config key):
// it carries one line naming the file/node/key and ends the command with exit code 2. An internal
// error is our bug: NND_CHECK throws InternalError with the failed condition and its location.
#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace nnd {

class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw UserError(fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace nnd

#define NND_CHECK(cond, ...)                                                                     \
  do {                                                                                           \
    if (!(cond))                                                                                 \
      throw ::nnd::InternalError(::fmt::format("internal error at {}:{}: check '{}' failed: {}", \
                                               __FILE__, __LINE__, #cond,                        \
                                               ::fmt::format(__VA_ARGS__)));                     \
  } while (0)
