import os
import stat

import pytest

import nndelta
from conftest import NNDELTA, ZOO

RESNET = str(ZOO / "resnet.onnx")
DATASET = "fashion-mnist:test,limit=3"


def test_compare_gives_the_json_of_the_cli_as_a_dict():
    result = nndelta.compare(RESNET, "ref@cpu:O2", "opencv@cpu:O2", dataset=DATASET)
    assert result["reference"]["env"] == "ref@cpu:O2"
    assert result["candidate"]["env"] == "opencv@cpu:O2"
    assert result["reference"]["status"] == "ok" and result["candidate"]["status"] == "ok"
    assert result["inputs"] == 3
    assert result["output"] == "logits"
    # opencv sums in float32, ref in double: close, within the default tolerance.
    assert 0 < result["error"]["max_abs"] < 1e-5
    assert result["verdict"] == "agree" and result["error"]["count"] == 3 * 10
    assert result["tolerance"] == {"atol": 1e-5, "rtol": 1e-5}


def test_a_model_against_itself_agrees_bit_for_bit():
    result = nndelta.compare(RESNET, "ref@cpu:O2", "ref@cpu:O2", dataset=DATASET, atol=0, rtol=0)
    assert result["verdict"] == "agree"
    assert result["top1_flips"] == 0
    assert result["error"]["max_abs"] == 0


def test_two_models_in_one_environment():
    result = nndelta.compare(RESNET, "ref@cpu:O2", model_b=str(ZOO / "alexnet.onnx"),
                             dataset=DATASET)
    assert result["candidate"]["model"].endswith("alexnet.onnx")
    assert result["verdict"] == "diverge"


@pytest.mark.parametrize("kwargs, message", [
    ({"model": "/nope.onnx"}, "/nope.onnx: cannot open model file"),
    ({"env_b": "ref@cpu:O7"}, "optimization level 'O7' is not one of O0, O1, O2, O3"),
    ({"atol": -1}, "atol and rtol must be >= 0"),
    ({"dataset": "fashion-mnist:nope"}, "fashion-mnist"),
    ({"env_b": None}, "give env_b"),
])
def test_bad_input_raises_one_line(kwargs, message):
    args = {"model": RESNET, "env_a": "ref@cpu:O2", "env_b": "ref@cpu:O1", "dataset": DATASET}
    args.update(kwargs)
    with pytest.raises(nndelta.Error, match=message.replace("(", r"\(")) as error:
        nndelta.compare(**args)
    assert "\n" not in str(error.value)


def test_a_worker_that_crashes_is_a_failed_side_not_a_dead_python(tmp_path, monkeypatch):
    crashing = tmp_path / "crashing-worker"
    crashing.write_text(f"#!/bin/sh\nexec {NNDELTA} worker --fault segv\n")
    crashing.chmod(crashing.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("NNDELTA_WORKER_BINARY", str(crashing))
    result = nndelta.compare(RESNET, "ref@cpu:O2", "ref@cpu:O1", dataset=DATASET)
    assert result["verdict"] == "failed"
    failure = result["reference"]["failure"]
    assert failure["outcome"] == "crashed" and "SIGSEGV" in failure["message"]
    assert os.getpid() > 0  # still here
