// The halide framework: the options each level implies, every op family against ref at every
// level, ISA targets that really change the code yet agree bit for bit under strict_float, OpenCL
// inputs that are fresh on every run, the compile cache (one stage recompiled, corrupt entries
// rebuilt), and bad input named in one line. Compiles run in nndelta-halide child processes and
// share the user's compile cache.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "backends/backend.h"
#include "backends/halide/compiler_process.h"
#include "backends/halide/halide_options.h"
#include "onnx/model_io.h"
#include "ref/interpreter.h"
#include "test_models.h"
#include "worker/launch.h"

namespace nnd {
namespace {

namespace fs = std::filesystem;
using backends::EnvSpec;
using testing::float_value;

Node make_node(const std::string& op, std::vector<std::string> in, std::vector<std::string> out,
               std::map<std::string, Attribute> attrs = {}) {
  Node n;
  n.name = out.front();
  n.op_type = op;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  n.attributes = std::move(attrs);
  return n;
}

Attribute ints(std::vector<int64_t> v) { return Attribute{std::move(v)}; }
Attribute one(int64_t v) { return Attribute{v}; }
Attribute real(float v) { return Attribute{v}; }

Tensor values(const Shape& shape, float scale, int salt) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t i = 0; i < t.size(); ++i)
    t.data<float>()[i] = scale * std::sin(0.7f * static_cast<float>(i) + static_cast<float>(salt));
  return t;
}

// Windows, normalization, activations, arithmetic, layout and softmax in one small model.
Model spatial_model() {
  Model m;
  m.opsets = {{"", 14}};
  m.source_path = "spatial";
  Graph& g = m.graph;
  g.name = "spatial";
  g.inputs = {float_value("x", {1, 4, 7, 7})};
  g.initializers = {
      {"w1", values({4, 2, 3, 3}, 0.5f, 1)},
      {"b1", values({4}, 0.1f, 2)},
      {"s", values({4}, 0.3f, 3)},
      {"bb", values({4}, 0.2f, 4)},
      {"mean", values({4}, 0.1f, 5)},
      {"var", Tensor::of<float>({4}, {0.5f, 1.f, 1.5f, 2.f})},
      {"lo", Tensor::of<float>({}, {-0.5f})},
      {"hi", Tensor::of<float>({}, {1.5f})},
      {"split", Tensor::of<int64_t>({2}, {3, 5})},
      {"pads", Tensor::of<int64_t>({8}, {0, 0, 1, 0, 0, 0, 0, 1})},
      {"padv", Tensor::of<float>({}, {0.5f})},
      {"wg", values({3, 5}, 0.4f, 6)},
      {"cg", values({3}, 0.2f, 7)},
      {"two", Tensor::of<float>({}, {2.f})},
  };
  g.nodes = {
      make_node("Conv", {"x", "w1", "b1"}, {"c1"},
                {{"group", one(2)}, {"dilations", ints({2, 2})}, {"pads", ints({2, 2, 2, 2})}}),
      make_node("BatchNormalization", {"c1", "s", "bb", "mean", "var"}, {"bn"}),
      make_node("Clip", {"bn", "lo", "hi"}, {"cl"}),
      make_node("MaxPool", {"cl"}, {"mp"},
                {{"kernel_shape", ints({3, 3})},
                 {"strides", ints({2, 2})},
                 {"pads", ints({1, 1, 1, 1})},
                 {"ceil_mode", one(1)}}),
      make_node("AveragePool", {"cl"}, {"ap"},
                {{"kernel_shape", ints({2, 2})},
                 {"strides", ints({2, 2})},
                 {"pads", ints({0, 0, 1, 1})},
                 {"count_include_pad", one(1)}}),
      make_node("Add", {"mp", "ap"}, {"ad"}),
      make_node("Concat", {"ad", "mp"}, {"cat"}, {{"axis", one(1)}}),
      make_node("Split", {"cat", "split"}, {"sp1", "sp2"}, {{"axis", one(1)}}),
      make_node("Transpose", {"sp2"}, {"tr"}, {{"perm", ints({0, 1, 3, 2})}}),
      make_node("Pad", {"sp1", "pads", "padv"}, {"pd"}),
      make_node("LRN", {"pd"}, {"lrn"}, {{"size", one(3)}, {"alpha", real(0.01f)}}),
      make_node("GlobalAveragePool", {"tr"}, {"gap"}),
      make_node("Flatten", {"gap"}, {"fl"}),
      make_node("Gemm", {"fl", "wg", "cg"}, {"gm"},
                {{"transB", one(1)}, {"alpha", real(0.5f)}, {"beta", real(2.f)}}),
      make_node("HardSwish", {"gm"}, {"hs"}),
      make_node("Sigmoid", {"gm"}, {"sg"}),
      make_node("Tanh", {"gm"}, {"th"}),
      make_node("HardSigmoid", {"gm"}, {"hsg"}),
      make_node("Mul", {"hs", "sg"}, {"mu"}),
      make_node("Add", {"hsg", "two"}, {"den"}),
      make_node("Div", {"th", "den"}, {"dv"}),
      make_node("Sub", {"mu", "dv"}, {"sb"}),
      make_node("Softmax", {"sb"}, {"sm"}, {{"axis", one(1)}}),
  };
  g.outputs = {float_value("sm", {1, 3}), float_value("lrn", {1, 3, 5, 5})};
  return m;
}

// The Conv kernels' cases: depthwise at strides 1 and 2, padding along y only (a 3x1 kernel: x
// is read unclamped), rows longer than a vector (20), shorter than one (10 and 14: predicated),
// as a stage's output and with a fused epilogue.
Model conv_model() {
  Model m;
  m.opsets = {{"", 13}};
  m.source_path = "convs";
  Graph& g = m.graph;
  g.name = "convs";
  g.inputs = {float_value("x", {1, 8, 14, 20})};
  g.initializers = {
      {"wd", values({8, 1, 3, 3}, 0.5f, 1)},  {"wd2", values({8, 1, 3, 3}, 0.5f, 2)},
      {"wy", values({8, 8, 3, 1}, 0.3f, 3)},  {"wp", values({16, 8, 1, 1}, 0.3f, 4)},
      {"wt", values({12, 8, 1, 1}, 0.3f, 5)}, {"bt", values({12}, 0.1f, 6)},
      {"lo", Tensor::of<float>({}, {-0.5f})}, {"hi", Tensor::of<float>({}, {1.5f})},
  };
  g.nodes = {
      make_node("Conv", {"x", "wd"}, {"d1"}, {{"group", one(8)}, {"pads", ints({1, 1, 1, 1})}}),
      make_node("Clip", {"d1", "lo", "hi"}, {"c1"}),
      make_node("Conv", {"c1", "wd2"}, {"d2"},
                {{"group", one(8)}, {"strides", ints({2, 2})}, {"pads", ints({1, 1, 1, 1})}}),
      make_node("Conv", {"x", "wy"}, {"y1"}, {{"pads", ints({1, 0, 1, 0})}}),
      make_node("Conv", {"y1", "wp"}, {"p1"}),
      make_node("Relu", {"p1"}, {"r1"}),
      make_node("Transpose", {"x"}, {"xt"}, {{"perm", ints({0, 1, 3, 2})}}),
      make_node("Conv", {"xt", "wt", "bt"}, {"t1"}),
  };
  g.outputs = {float_value("d2", {1, 8, 7, 10}), float_value("r1", {1, 16, 14, 20}),
               float_value("t1", {1, 12, 20, 14})};
  return m;
}

// Fusion across a Split's two outputs (GLU): the Relu joins the Split's stage, the Sigmoid of the
// second output cannot, and the Mul of both must not join the Split's stage, which the Sigmoid's
// stage reads: stages must never wait on each other.
Model glu_model() {
  Model m;
  m.opsets = {{"", 13}};
  m.source_path = "glu";
  Graph& g = m.graph;
  g.name = "glu";
  g.inputs = {float_value("x", {1, 6, 4, 4})};
  g.initializers = {{"halves", Tensor::of<int64_t>({2}, {3, 3})}};
  g.nodes = {
      make_node("Split", {"x", "halves"}, {"a", "b"}, {{"axis", one(1)}}),
      make_node("Sigmoid", {"b"}, {"sb"}),
      make_node("Relu", {"a"}, {"ra"}),
      make_node("Mul", {"ra", "sb"}, {"y"}),
  };
  g.outputs = {float_value("y", {1, 3, 4, 4})};
  return m;
}

// Slicing, reshaping views, MatMul and the unary/binary ops graph mutants insert.
Model shape_model() {
  Model m;
  m.opsets = {{"", 13}};
  m.source_path = "shapes";
  Graph& g = m.graph;
  g.name = "shapes";
  g.inputs = {float_value("x", {1, 3, 4, 5})};
  g.initializers = {
      {"starts", Tensor::of<int64_t>({2}, {0, 1})}, {"ends", Tensor::of<int64_t>({2}, {3, 4})},
      {"axes", Tensor::of<int64_t>({2}, {1, 3})},   {"steps", Tensor::of<int64_t>({2}, {2, 1})},
      {"shape", Tensor::of<int64_t>({2}, {2, 12})}, {"wm", values({12, 6}, 0.3f, 8)},
      {"ax0", Tensor::of<int64_t>({1}, {0})},       {"slope", values({6}, 0.2f, 9)},
  };
  g.nodes = {
      make_node("Slice", {"x", "starts", "ends", "axes", "steps"}, {"sl"}),
      make_node("Reshape", {"sl", "shape"}, {"r"}),
      make_node("MatMul", {"r", "wm"}, {"mm"}),
      make_node("Unsqueeze", {"mm", "ax0"}, {"us"}),
      make_node("Squeeze", {"us", "ax0"}, {"sq"}),
      make_node("Exp", {"sq"}, {"ex"}),
      make_node("Round", {"mm"}, {"rd"}),
      make_node("PRelu", {"sq", "slope"}, {"pr"}),
      make_node("Max", {"ex", "rd"}, {"mx"}),
      make_node("LogSoftmax", {"mx"}, {"ls"}, {{"axis", one(1)}}),
      make_node("LeakyRelu", {"pr"}, {"lr"}),
      make_node("Sub", {"ls", "lr"}, {"y"}),
  };
  g.outputs = {float_value("y", {2, 6})};
  return m;
}

Attribute text(const std::string& v) { return Attribute{v}; }

// Resize in nearest and linear, up and down, from scales and from sizes, over the coordinate
// modes and nearest modes (asymmetric at scale 2 puts every other position on a tie).
Model resize_model() {
  Model m;
  m.opsets = {{"", 13}};
  m.source_path = "resize";
  Graph& g = m.graph;
  g.name = "resize";
  g.inputs = {float_value("x", {1, 2, 5, 6})};
  g.initializers = {
      {"up", Tensor::of<float>({4}, {1.f, 1.f, 2.f, 1.5f})},
      {"down", Tensor::of<float>({4}, {1.f, 1.f, 0.6f, 0.7f})},
      {"big", Tensor::of<int64_t>({4}, {1, 2, 9, 11})},
      {"small", Tensor::of<int64_t>({4}, {1, 2, 3, 4})},
      {"roi", Tensor::of<float>({8}, {0.f, 0.f, -0.2f, 0.1f, 1.f, 1.f, 0.9f, 1.3f})},
  };
  auto resize = [](const std::string& out, const std::string& roi, const std::string& scales,
                   const std::string& sizes, const std::string& mode, const std::string& coords,
                   const std::string& nearest) {
    return make_node("Resize", {"x", roi, scales, sizes}, {out},
                     {{"mode", text(mode)},
                      {"coordinate_transformation_mode", text(coords)},
                      {"nearest_mode", text(nearest)},
                      {"extrapolation_value", real(-3.f)}});
  };
  g.nodes = {
      resize("n1", "", "up", "", "nearest", "asymmetric", "round_prefer_floor"),
      resize("n2", "", "up", "", "nearest", "asymmetric", "round_prefer_ceil"),
      resize("n5", "", "down", "", "nearest", "half_pixel", "round_prefer_floor"),
      resize("n3", "", "", "big", "nearest", "align_corners", "floor"),
      resize("n4", "", "", "small", "nearest", "pytorch_half_pixel", "ceil"),
      resize("l2", "", "down", "", "linear", "pytorch_half_pixel", "floor"),
      resize("l3", "", "", "big", "linear", "align_corners", "floor"),
      resize("l4", "", "", "small", "linear", "half_pixel_symmetric", "floor"),
      resize("t1", "roi", "", "big", "linear", "tf_crop_and_resize", "floor"),
      resize("c1", "", "up", "", "cubic", "half_pixel", "floor"),
      resize("c2", "", "", "small", "cubic", "align_corners", "floor"),
      resize("e1", "", "", "big", "linear", "half_pixel", "floor"),
  };
  // Keys' kernel with another A, and exclude_outside's renormalized weights.
  g.nodes[g.nodes.size() - 2].attributes["cubic_coeff_a"] = real(-0.5f);
  g.nodes[g.nodes.size() - 2].attributes["exclude_outside"] = one(1);
  g.nodes.back().attributes["exclude_outside"] = one(1);
  for (const Node& n : g.nodes) {
    const bool up = n.inputs[2] == "up", big = n.inputs[3] == "big";
    g.outputs.push_back(float_value(n.outputs[0], up    ? Shape{1, 2, 10, 9}
                                                  : big ? Shape{1, 2, 9, 11}
                                                        : Shape{1, 2, 3, 4}));
  }
  return m;
}

// Resize-10 (or with `upsample`, Upsample-9, its only up-scaling node): the legacy nearest
// (floor up, ceil down) and linear.
Model legacy_resize_model(bool upsample = false) {
  Model m;
  m.opsets = {{"", 10}};
  m.source_path = "legacy-resize";
  Graph& g = m.graph;
  g.name = "legacy-resize";
  g.inputs = {float_value("x", {1, 2, 5, 6})};
  g.initializers = {{"up", Tensor::of<float>({4}, {1.f, 1.f, 2.f, 1.5f})},
                    {"down", Tensor::of<float>({4}, {1.f, 1.f, 0.6f, 0.7f})}};
  g.nodes = {
      make_node("Resize", {"x", "up"}, {"n1"}, {{"mode", text("nearest")}}),
      make_node("Resize", {"x", "down"}, {"n2"}, {{"mode", text("nearest")}}),
      make_node("Resize", {"x", "down"}, {"l1"}, {{"mode", text("linear")}}),
  };
  g.outputs = {float_value("n1", {1, 2, 10, 9}), float_value("n2", {1, 2, 3, 4}),
               float_value("l1", {1, 2, 3, 4})};
  if (upsample) {
    m.opsets = {{"", 9}};
    m.source_path = "upsample";
    g.nodes = {make_node("Upsample", {"x", "up"}, {"u1"}, {{"mode", text("linear")}})};
    g.outputs = {float_value("u1", {1, 2, 10, 9})};
  }
  return m;
}

std::unique_ptr<backends::Session> prepare(const std::string& env, const Model& model) {
  backends::PrepareRequest request;
  request.env = EnvSpec::parse(env);
  request.label = model.source_path;
  request.model = &model;
  request.onnx = onnx_io::model_to_bytes(model);
  return backends::find_backend("halide")->prepare(request);
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UserError& e) {
    return e.what();
  }
  return "(no error)";
}

// The largest difference relative to max(1, |ref|).
double worst(const TensorMap& got, const TensorMap& want) {
  double w = 0;
  for (const auto& [name, t] : want) {
    std::vector<double> a = got.at(name).to_doubles(), b = t.to_doubles();
    EXPECT_EQ(a.size(), b.size()) << name;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i)
      w = std::max(w, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
  }
  return w;
}

TEST(HalideOptions, LevelsAddStepsAndDisableRemovesThem) {
  auto o0 = backends::halide::compile_options(EnvSpec::parse("halide@cpu:O0"));
  EXPECT_TRUE(o0.steps.empty());
  EXPECT_TRUE(o0.strict_float);
  auto o3 =
      backends::halide::compile_options(EnvSpec::parse("halide@cpu:O3,disable=fuse+fast_math"));
  EXPECT_FALSE(o3.has("fuse"));
  EXPECT_FALSE(o3.has("fast_math"));
  EXPECT_TRUE(o3.has("autoschedule"));
  EXPECT_TRUE(o3.has("fold_bn"));
  EXPECT_FALSE(o3.strict_float);
  EXPECT_EQ(o3.schedule, "mullapudi2016");
  auto o2 = backends::halide::compile_options(EnvSpec::parse("halide@cpu-avx2:O2,strict_float=1"));
  EXPECT_EQ(o2.target(), "x86-64-linux-sse41-avx-avx2-fma-f16c-strict_float");
  EXPECT_EQ(o2.schedule, "manual");
}

TEST(HalideOptions, BadKeysValuesAndStepsAreNamed) {
  auto error = [](const std::string& env) {
    return error_of([&] { backends::halide::compile_options(EnvSpec::parse(env)); });
  };
  EXPECT_EQ(error("halide@cpu:O2,colour=red"),
            "environment 'halide@cpu:O2,colour=red': halide has no option 'colour' (known: "
            "threads, strict_float, schedule, disable, mutate)");
  EXPECT_NE(error("halide@cpu:O2,disable=fuse+warp").find("'warp' is not a step"),
            std::string::npos);
  EXPECT_NE(error("halide@cpu:O0,schedule=adams2019").find("needs O2 or O3"), std::string::npos);
  EXPECT_NE(error("halide@tpu:O2").find("halide has no device 'tpu'"), std::string::npos);
  EXPECT_NE(error("halide@cpu:O2,strict_float=2").find("must be 0 or 1"), std::string::npos);
}

TEST(Halide, EveryOpFamilyAgreesWithRefAtEveryLevel) {
  for (const Model& model : {spatial_model(), shape_model(), conv_model(), glu_model()}) {
    ref::Interpreter interpreter(model);
    const TensorMap inputs = {{"x", values(*model.graph.inputs[0].static_shape(), 1.5f, 11)}};
    const TensorMap want = interpreter.run(inputs);
    for (const char* env : {"halide@cpu:O0", "halide@cpu:O1", "halide@cpu:O2", "halide@cpu:O3",
                            "halide@cpu:O3,schedule=manual,threads=2"}) {
      const TensorMap got = prepare(env, model)->run(inputs);
      // fast_math's exp is an approximation; every other level is float32 rounding only.
      const double bound = std::string(env).find("O3") != std::string::npos ? 2e-4 : 2e-5;
      EXPECT_LT(worst(got, want), bound) << model.source_path << " " << env;
    }
  }
}

TEST(Halide, ResizeAgreesWithRefInEveryModeAndRefusesWhatItLacks) {
  const TensorMap inputs = {{"x", values({1, 2, 5, 6}, 1.5f, 5)}};
  // Per output, so that a failure names the mode.
  auto check = [&](const Model& model, const std::string& env, double bound) {
    const TensorMap want = ref::Interpreter(model).run(inputs);
    const TensorMap got = prepare(env, model)->run(inputs);
    for (const auto& [name, t] : want) {
      const double w = worst({{name, got.at(name)}}, {{name, t}});
      if (bound == 0)
        EXPECT_EQ(w, 0) << model.source_path << " " << env << " " << name;
      else
        EXPECT_LT(w, bound) << model.source_path << " " << env << " " << name;
    }
  };
  // float64 coordinates and weights as ref's: the same bits at O0 (strict_float), and at O2 the
  // same pixels, the blend's rounding aside (FMA contraction in double).
  check(resize_model(), "halide@cpu:O0", 0);
  check(resize_model(), "halide@cpu:O2", 1e-7);
  check(legacy_resize_model(), "halide@cpu:O0", 0);
  check(legacy_resize_model(/*upsample=*/true), "halide@cpu:O0", 0);
  // OpenCL computes the coordinates in float64 too (cl_doubles): a near-tie nearest (n5), a
  // linear and a cubic blend.
  if (worker::unavailable_reason(EnvSpec::parse("halide@opencl:O2")).empty()) {
    Model model = resize_model();
    std::erase_if(model.graph.nodes,
                  [](const Node& n) { return n.name != "n5" && n.name != "l2" && n.name != "c1"; });
    std::erase_if(model.graph.outputs, [](const ValueInfo& v) {
      return v.name != "n5" && v.name != "l2" && v.name != "c1";
    });
    check(model, "halide@opencl:O2", 1e-7);
  }
  // A mode halide (and ref) lacks. (Antialias needs opset 18, which nndelta does not read.)
  Model area = resize_model();
  area.graph.nodes.resize(1);
  area.graph.nodes[0].attributes["mode"] = text("area");
  area.graph.outputs.resize(1);
  EXPECT_NE(error_of([&] {
              prepare("halide@cpu:O2", area);
            }).find("Resize 'n1': unsupported mode 'area'"),
            std::string::npos)
      << error_of([&] { prepare("halide@cpu:O2", area); });
}

TEST(Halide, IsaTargetsChangeTheCodeButAgreeBitForBitUnderStrictFloat) {
  // Every CPU target, on every op family: the same bits.
  const Model model = spatial_model();
  const TensorMap inputs = {{"x", values({1, 4, 7, 7}, 1.5f, 11)}};
  std::optional<TensorMap> first;
  for (const char* device : {"cpu-sse41", "cpu-avx2", "cpu-avx512"}) {
    const EnvSpec env = EnvSpec::parse(fmt::format("halide@{}:O2,strict_float=1", device));
    if (!worker::unavailable_reason(env).empty()) continue;
    const TensorMap got = prepare(env.canonical(), model)->run(inputs);
    if (!first) first = got;
    for (const auto& [name, t] : got)
      EXPECT_TRUE(t.same_as(first->at(name))) << device << " " << name;
  }
  // OpenCL too where the model is arithmetic only; exp, pow and log come from the device's own
  // math library there (OpenCL C's exp against Halide's polynomial on CPUs), so LRN and Softmax
  // agree only to float32 rounding (docs/halide.md).
  if (worker::unavailable_reason(EnvSpec::parse("halide@opencl:O2")).empty()) {
    const Model conv = testing::conv_relu_model();
    const TensorMap x = {{"x", values({1, 2, 4, 4}, 1.5f, 3)}};
    EXPECT_TRUE(prepare("halide@opencl:O2,strict_float=1", conv)
                    ->run(x)
                    .at("y")
                    .same_as(prepare("halide@cpu-avx2:O2,strict_float=1", conv)->run(x).at("y")));
    EXPECT_LT(worst(prepare("halide@opencl:O2,strict_float=1", model)->run(inputs), *first), 1e-6);
  }
  // The caps are real targets: FMA instructions appear in AVX2 code and never in SSE4.1 code.
  auto assembly = [&](const std::string& device) {
    const std::string dir = testing::temp_path("emit-" + device);
    fs::remove_all(dir);
    backends::halide::run_compiler({onnx_io::model_to_bytes(model),
                                    "spatial",
                                    fmt::format("halide@{}:O2", device),
                                    dir,
                                    {},
                                    0});
    std::string all;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".s") {
        std::ifstream in(e.path());
        all += std::string(std::istreambuf_iterator<char>(in), {});
      }
    return all;
  };
  EXPECT_NE(assembly("cpu-avx2").find("vfmadd"), std::string::npos);
  EXPECT_EQ(assembly("cpu-sse41").find("vfmadd"), std::string::npos);
}

TEST(Halide, OpenclSeesEachRunsInputs) {
  if (!worker::unavailable_reason(EnvSpec::parse("halide@opencl:O2")).empty())
    GTEST_SKIP() << "no OpenCL device here";
  const Model model = testing::conv_relu_model();
  ref::Interpreter interpreter(model);
  auto session = prepare("halide@opencl:O2", model);
  // Without host-dirty inputs the device would keep the first input's bytes.
  for (int salt : {1, 2, 3}) {
    const TensorMap inputs = {{"x", values({1, 2, 4, 4}, 1.0f, salt)}};
    EXPECT_LT(worst(session->run(inputs), interpreter.run(inputs)), 2e-5) << salt;
  }
}

TEST(Halide, IntermediatesThatAreGraphOutputsAreComputedAsStages) {
  Model model = testing::conv_relu_model();
  model.graph.outputs.push_back(float_value("c", {1, 3, 4, 4}));
  ref::Interpreter interpreter(model);
  const TensorMap inputs = {{"x", testing::ramp({1, 2, 4, 4})}};
  for (const char* env : {"halide@cpu:O0", "halide@cpu:O1", "halide@cpu:O3"}) {
    const TensorMap got = prepare(env, model)->run(inputs);
    ASSERT_EQ(got.count("c"), 1u) << env;
    EXPECT_LT(worst(got, interpreter.run(inputs)), 2e-5) << env;
  }
}

// Halide emits aligned vector loads of buffers it assumes are aligned like its own allocations;
// an output buffer on a 16-byte boundary (a plain malloc) crashed autoscheduled stages whose
// rows are not a multiple of the vector width.
TEST(Halide, AutoscheduledStagesRunOnBuffersOfAnyRowLength) {
  Model model = testing::conv_relu_model();
  model.graph.inputs = {float_value("x", {1, 2, 28, 28})};
  model.graph.outputs = {float_value("y", {1, 3, 28, 28}), float_value("c", {1, 3, 28, 28})};
  ref::Interpreter interpreter(model);
  const TensorMap inputs = {{"x", values({1, 2, 28, 28}, 1.0f, 5)}};
  for (const char* env : {"halide@cpu-avx2:O3", "halide@cpu:O3"})
    EXPECT_LT(worst(prepare(env, model)->run(inputs), interpreter.run(inputs)), 2e-4) << env;
}

class HalideCache : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::temp_path("cache");
    fs::remove_all(dir_);
    const char* old = std::getenv("NNDELTA_CACHE_DIR");
    if (old) old_ = old;
    setenv("NNDELTA_CACHE_DIR", dir_.c_str(), 1);
  }
  void TearDown() override {
    if (old_.empty())
      unsetenv("NNDELTA_CACHE_DIR");
    else
      setenv("NNDELTA_CACHE_DIR", old_.c_str(), 1);
  }
  backends::halide::Manifest compile(const Model& model, const std::string& env) {
    return backends::halide::run_compiler({onnx_io::model_to_bytes(model), "m", env, {}, {}, 0});
  }
  std::string dir_, old_;
};

int compiled(const backends::halide::Manifest& m) {
  int n = 0;
  for (const auto& s : m.stages) n += s.compile_ms > 0;
  return n;
}

TEST_F(HalideCache, ChangingOneStageRecompilesOnlyThatStage) {
  Model model = spatial_model();
  const auto cold = compile(model, "halide@cpu:O0");
  EXPECT_GT(compiled(cold), 5);
  EXPECT_EQ(compiled(compile(model, "halide@cpu:O0")), 0);
  // New weights are data, not code: nothing recompiles.
  model.graph.initializers["wg"] = values({3, 5}, 0.9f, 42);
  EXPECT_EQ(compiled(compile(model, "halide@cpu:O0")), 0);
  // Another LRN size changes one stage's loops.
  for (Node& n : model.graph.nodes)
    if (n.op_type == "LRN") n.attributes["size"] = one(5);
  EXPECT_EQ(compiled(compile(model, "halide@cpu:O0")), 1);
}

TEST_F(HalideCache, CorruptOrTruncatedEntriesAreRebuiltNeverLoaded) {
  const Model model = testing::conv_relu_model();
  const auto first = compile(model, "halide@cpu:O2");
  // Truncate the library and corrupt a stage object.
  fs::resize_file(first.library, fs::file_size(first.library) / 2);
  std::string object;
  for (const auto& e : fs::recursive_directory_iterator(dir_))
    if (e.path().extension() == ".o") object = e.path().string();
  ASSERT_FALSE(object.empty());
  { std::ofstream(object, std::ios::binary | std::ios::in) << "garbage"; }
  const auto second = compile(model, "halide@cpu:O2");
  EXPECT_GE(compiled(second), 0);
  EXPECT_EQ(second.library_sha256, first.library_sha256);
  ref::Interpreter interpreter(model);
  const TensorMap inputs = {{"x", testing::ramp({1, 2, 4, 4})}};
  EXPECT_LT(worst(prepare("halide@cpu:O2", model)->run(inputs), interpreter.run(inputs)), 2e-5);
}

TEST(Halide, BadInputIsOneLineNamingIt) {
  Model model = testing::conv_relu_model();
  model.graph.nodes.push_back(make_node("Floor", {"y"}, {"z"}));
  model.graph.outputs = {float_value("z", {1, 3, 4, 4})};
  EXPECT_EQ(
      error_of([&] { prepare("halide@cpu:O2", model); }).substr(0, 80),
      std::string(
          "halide@cpu:O2: Floor 'z': unsupported op for the halide framework: Floor (it lowers ")
          .substr(0, 80));
  EXPECT_NE(error_of([&] {
              prepare("halide@cpu:O2,threads=0", testing::conv_relu_model());
            }).find("threads=0 must be at least 1"),
            std::string::npos);
  const std::string cuda = error_of([&] { prepare("halide@cuda:O2", testing::conv_relu_model()); });
  if (worker::unavailable_reason(EnvSpec::parse("halide@cuda:O2")).empty()) GTEST_SKIP();
  EXPECT_NE(cuda.find("no NVIDIA driver"), std::string::npos) << cuda;
}

}  // namespace
}  // namespace nnd
