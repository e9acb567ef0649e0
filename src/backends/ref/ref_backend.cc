// The reference interpreter as a backend: device cpu only, and no optimization levels to speak
// of (every level runs the same code, so O0..O3 are all accepted and identical).
#include <fmt/format.h>

#include "backends/backend.h"
#include "backends/ref/ref_precision.h"
#include "core/error.h"
#include "ref/interpreter.h"

namespace nnd::backends {

namespace {

class RefSession : public Session {
 public:
  RefSession(const Model& model, bool f64)
      : model_(f64 ? widen_to_float64(model) : model), f64_(f64), interpreter_(model_) {}
  TensorMap run(const TensorMap& inputs) override {
    if (!f64_) return interpreter_.run(inputs);
    TensorMap wide;
    for (const auto& [name, tensor] : inputs) wide.emplace(name, widen_tensor(tensor));
    return interpreter_.run(wide);
  }

 private:
  Model model_;  // the interpreter keeps a reference: the session owns the model
  bool f64_;     // float32 widened to float64 end to end (precision=f64, ref_precision.h)
  ref::Interpreter interpreter_;
};

class RefBackend : public Backend {
 public:
  std::string framework() const override { return "ref"; }
  std::string version() const override { return "nndelta ref 0.1.0"; }
  std::vector<std::string> devices() const override { return {"cpu"}; }
  std::string unavailable_reason(const EnvSpec& env) const override {
    if (env.device != "cpu") return fmt::format("ref runs on cpu only, not '{}'", env.device);
    if (auto p = env.options.find("precision");
        p != env.options.end() && p->second != "f32" && p->second != "f64")
      return fmt::format("precision '{}' is not f32 or f64", p->second);
    return {};
  }
  std::unique_ptr<Session> prepare(const PrepareRequest& request) const override {
    if (std::string why = unavailable_reason(request.env); !why.empty())
      fail("{}: {}", request.env.canonical(), why);
    for (const auto& [key, value] : request.env.options)
      if (key != "threads" && key != "precision")
        fail("{}: unknown option '{}' for ref (known: threads, precision)", request.env.canonical(),
             key);
    const auto precision = request.env.options.find("precision");
    const bool f64 = precision != request.env.options.end() && precision->second == "f64";
    if (precision != request.env.options.end() && !f64 && precision->second != "f32")
      fail("{}: precision '{}' is not f32 or f64", request.env.canonical(), precision->second);
    NND_CHECK(request.model != nullptr, "ref needs the parsed model");
    return std::make_unique<RefSession>(*request.model, f64);
  }
};

}  // namespace

const Backend& ref_backend() {
  static const RefBackend backend;
  return backend;
}

}  // namespace nnd::backends
