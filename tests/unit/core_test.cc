#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/graph.h"
#include "core/tensor.h"

namespace nnd {
namespace {

TEST(Half, RoundTripsExactValuesAndRoundsToNearestEven) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.960464477539063e-08f})
    EXPECT_EQ(static_cast<float>(Half(f)), f) << f;
  EXPECT_EQ(Half(1.0f).bits, 0x3c00);
  EXPECT_EQ(Half(-2.0f).bits, 0xc000);
  // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
  EXPECT_EQ(Half(1.0f + 0.00048828125f).bits, 0x3c00);
  EXPECT_EQ(Half(1.0f + 3 * 0.00048828125f).bits, 0x3c02);
  EXPECT_EQ(Half(70000.0f).bits, 0x7c00);  // overflow to inf
  EXPECT_TRUE(std::isnan(static_cast<float>(Half(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(Tensor, ShapesStridesAndCasts) {
  Tensor t = Tensor::of<float>({2, 3}, {1.5f, -2.5f, 3, 4, 5, 6});
  EXPECT_EQ(t.size(), 6);
  EXPECT_EQ(t.dim(-1), 3);
  EXPECT_EQ(strides_of(t.shape()), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(t.cast(DType::kInt32).to_int64s(), (std::vector<int64_t>{1, -2, 3, 4, 5, 6}));
  EXPECT_EQ(t.cast(DType::kBool).to_int64s(), (std::vector<int64_t>{1, 1, 1, 1, 1, 1}));
  Tensor big = Tensor::of<int64_t>({1}, {(int64_t{1} << 60) + 1});
  EXPECT_EQ(big.cast(DType::kInt64).to_int64s()[0], (int64_t{1} << 60) + 1);
  EXPECT_TRUE(t.reshaped({3, 2}).reshaped({6}).same_as(t.reshaped({6})));
  EXPECT_FALSE(t.same_as(t.cast(DType::kFloat64)));
  std::vector<double> wild{1e300, -1e300, std::numeric_limits<double>::quiet_NaN(), -2.9};
  EXPECT_EQ(Tensor::from_doubles(DType::kInt8, {4}, wild).to_int64s(),
            (std::vector<int64_t>{127, -128, 0, -2}));
  EXPECT_THROW(t.data<double>(), InternalError);
}

Node make_node(std::string name, std::vector<std::string> in, std::vector<std::string> out) {
  Node n;
  n.name = std::move(name);
  n.op_type = "Relu";
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

TEST(Graph, TopologicalSortKeepsSortedGraphsAndReordersOthers) {
  Graph g;
  g.inputs.push_back({"x", DType::kFloat32, std::nullopt});
  g.nodes = {make_node("c", {"b"}, {"c"}), make_node("a", {"x"}, {"a"}),
             make_node("b", {"a", ""}, {"b"})};
  sort_topologically(g);
  ASSERT_EQ(g.nodes.size(), 3u);
  EXPECT_EQ(g.nodes[0].name, "a");
  EXPECT_EQ(g.nodes[1].name, "b");
  EXPECT_EQ(g.nodes[2].name, "c");
  Graph again = g;
  sort_topologically(again);
  EXPECT_EQ(again, g);
}

TEST(Graph, TopologicalSortNamesTheNodeOfACycleOrAMissingInput) {
  Graph g;
  g.nodes = {make_node("p", {"q"}, {"p"}), make_node("q", {"p"}, {"q"})};
  EXPECT_THROW(
      {
        try {
          sort_topologically(g);
        } catch (const UserError& e) {
          EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos);
          throw;
        }
      },
      UserError);
  Graph h;
  h.nodes = {make_node("r", {"nowhere"}, {"r"})};
  try {
    sort_topologically(h);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("'nowhere'"), std::string::npos);
  }
}

TEST(Node, TypedAttributesWithDefaultsAndClearErrors) {
  Node n = make_node("n", {}, {"y"});
  n.attributes["axis"] = Attribute{int64_t{2}};
  EXPECT_EQ(n.attr_int("axis"), 2);
  EXPECT_EQ(n.attr_int("missing", 7), 7);
  EXPECT_THROW(n.attr_float("axis"), UserError);
  EXPECT_THROW(n.attr_ints("missing"), UserError);
}

}  // namespace
}  // namespace nnd
