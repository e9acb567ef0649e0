import pytest

import nndelta


def test_every_framework_is_listed_with_its_status():
    envs = nndelta.envs()
    assert list(envs.columns) == ["environment", "framework", "device", "version", "available",
                                  "reason"]
    assert {"ref", "ort", "opencv", "torch"} <= set(envs.framework)
    ref = envs[(envs.framework == "ref") & (envs.device == "cpu")].iloc[0]
    assert ref.environment == "ref@cpu:O2"
    assert bool(ref.available) and ref.reason == ""
    # Whatever cannot run says why; whatever can says nothing.
    assert (envs.available == (envs.reason == "")).all()


def test_given_spellings_are_made_canonical():
    envs = nndelta.envs(["ref", "opencv@cpu:O3,threads=2", "ref@gpu9:O1"])
    assert list(envs.environment) == ["ref@cpu:O2", "opencv@cpu:O3,threads=2", "ref@gpu9:O1"]
    assert list(envs.available[:2]) == [True, True]
    assert not envs.available[2] and "gpu9" in envs.reason[2]


def test_a_malformed_spelling_raises_the_clis_message():
    with pytest.raises(nndelta.Error, match="optimization level 'O7' is not one of O0, O1, O2, O3"):
        nndelta.envs(["ref@cpu:O7"])
    assert issubclass(nndelta.Error, ValueError)
