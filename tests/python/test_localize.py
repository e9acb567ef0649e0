import pytest

import nndelta
from conftest import ZOO

RESNET = str(ZOO / "resnet.onnx")


def test_localize_names_the_first_divergent_node_under_a_zero_tolerance():
    # ref accumulates in double, opencv in float: with no tolerance at all they differ early.
    result = nndelta.localize(RESNET, "ref@cpu:O2", "opencv@cpu:O2",
                              dataset="fashion-mnist:test,limit=2", atol=0, rtol=0, inputs=1)
    assert result["verdict"] == "diverge"
    assert result["method"] == "exposure"
    assert len(result["inputs"]) == 1
    curve = result["curve"]
    assert len(curve) > 5
    positions = [v["position"] for v in curve]
    assert positions == sorted(positions)
    first = result["first_divergent"]
    assert first is not None and first["diverges"]
    assert first["position"] == next(v["position"] for v in curve if v["diverges"])


def test_localize_over_a_store_gives_the_pairs_with_flips(small_store):
    path, _ = small_store
    result = nndelta.localize(store=str(path))
    assert result["store"] == str(path)
    assert isinstance(result["pairs"], list)
    for pair in result["pairs"]:
        assert pair["compare"]["top1_flips"] > 0


def test_bad_input_raises():
    with pytest.raises(nndelta.Error, match="auto, exposure, bisection"):
        nndelta.localize(RESNET, "ref@cpu:O2", "ref@cpu:O1", method="nope")
    with pytest.raises(nndelta.Error, match="inputs must be at least 1"):
        nndelta.localize(RESNET, "ref@cpu:O2", "ref@cpu:O1", inputs=0)
    with pytest.raises(nndelta.Error, match="give model"):
        nndelta.localize()
    with pytest.raises(nndelta.Error, match="drop env_a"):
        nndelta.localize(env_a="ref", store="x.db")
    with pytest.raises(nndelta.Error, match="/nope.db"):
        nndelta.localize(store="/nope.db")
