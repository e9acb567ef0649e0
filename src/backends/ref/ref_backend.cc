// The reference interpreter as a backend: device cpu only, and no optimization levels to speak
// of (every level runs the same code, so O0..O3 are all accepted and identical).
#include <fmt/format.h>

#include "backends/backend.h"
#include "core/error.h"
#include "ref/interpreter.h"

namespace nnd::backends {

namespace {

class RefSession : public Session {
 public:
  explicit RefSession(const Model& model) : model_(model), interpreter_(model_) {}
  TensorMap run(const TensorMap& inputs) override { return interpreter_.run(inputs); }

 private:
  Model model_;  // the interpreter keeps a reference: the session owns the model
  ref::Interpreter interpreter_;
};

class RefBackend : public Backend {
 public:
  std::string framework() const override { return "ref"; }
  std::string version() const override { return "nndelta ref 0.1.0"; }
  std::vector<std::string> devices() const override { return {"cpu"}; }
  std::string unavailable_reason(const EnvSpec& env) const override {
    if (env.device != "cpu") return fmt::format("ref runs on cpu only, not '{}'", env.device);
    return {};
  }
  std::unique_ptr<Session> prepare(const PrepareRequest& request) const override {
    if (std::string why = unavailable_reason(request.env); !why.empty())
      fail("{}: {}", request.env.canonical(), why);
    for (const auto& [key, value] : request.env.options)
      if (key != "threads") fail("{}: unknown option '{}' for ref", request.env.canonical(), key);
    NND_CHECK(request.model != nullptr, "ref needs the parsed model");
    return std::make_unique<RefSession>(*request.model);
  }
};

}  // namespace

const Backend& ref_backend() {
  static const RefBackend backend;
  return backend;
}

}  // namespace nnd::backends
