import os

import pytest

import nndelta
from conftest import IMAGES, NNDELTA, write_campaign


def test_run_records_every_prediction_and_resumes(small_store):
    path, summary = small_store
    assert summary["store"] == str(path)
    assert summary["recorded"] == 2 * IMAGES
    assert summary["input_failures"] == 0
    assert summary["run_status"] == {"done": 2}
    assert summary["captures_recorded"] == 2 * 2
    assert not summary["stopped"]
    # ref and opencv agree on resnet within 1e-5: no pair to look inside.
    assert summary["first_divergences"]["pairs"] == 0
    assert summary["first_divergences"]["found"] == 0
    campaign = path.parent / "c.toml"
    again = nndelta.run(str(campaign), progress=False)
    assert again["recorded"] == 0 and again["recorded_before"] == 2 * IMAGES


def test_progress_goes_to_a_callable(tmp_path):
    seen = []
    campaign = write_campaign(tmp_path, "p.db", ["ref@cpu:O2"])
    summary = nndelta.run(str(campaign), progress=seen.append, jobs=1)
    assert summary["recorded"] == IMAGES
    assert seen, "the callable was never called"
    assert seen[-1]["done"] == seen[-1]["total"] == IMAGES
    assert set(seen[-1]) == {"done", "total", "failures", "elapsed_s", "rate", "current"}


def test_an_exception_in_the_callable_stops_the_campaign_and_is_raised(tmp_path):
    def stop(state):
        raise KeyboardInterrupt

    campaign = write_campaign(tmp_path, "s.db", ["ref@cpu:O2", "ref@cpu:O1"])
    with pytest.raises(KeyboardInterrupt):
        nndelta.run(str(campaign), progress=stop, jobs=1)
    # A stopped run is left as a killed one would be: pending, never failed.
    statuses = set(nndelta.Store(str(tmp_path / "s.db")).runs().status)
    assert statuses <= {"done", "pending"}
    # Resumable: what it did not do is done now, nothing twice.
    summary = nndelta.run(str(campaign), progress=False)
    assert summary["recorded_before"] + summary["recorded"] == 2 * IMAGES
    assert summary["run_status"] == {"done": 2}


def test_shard_and_store_override(tmp_path):
    campaign = write_campaign(tmp_path, "c.db", ["ref@cpu:O2", "ref@cpu:O1"])
    summary = nndelta.run(str(campaign), shard="1/2", store=str(tmp_path / "shard.db"),
                          progress=False)
    assert summary["store"] == str(tmp_path / "shard.db")
    assert sum(summary["run_status"].values()) == 1
    assert summary["recorded"] == IMAGES


def test_a_crashing_worker_is_recorded_in_the_store(tmp_path):
    extra = (f'[[environments.remote]]\nspec = "ref@cpu:O1"\n'
             f"via = 'exec {NNDELTA} worker --fault segv'\n")
    campaign = write_campaign(tmp_path, "crash.db", ["ref@cpu:O2"], extra)
    summary = nndelta.run(str(campaign), progress=False)
    assert summary["run_status"] == {"done": 1, "stuck": 1}
    runs = nndelta.Store(str(tmp_path / "crash.db")).runs()
    crashed = runs[runs.environment == "ref@cpu:O1"].iloc[0]
    assert crashed.status == "stuck" and "SIGSEGV" in crashed.message
    assert os.getpid() > 0


@pytest.mark.parametrize("text, message", [
    ('store = "x.db"\ncolour = 1\n', r"c.toml:2: unknown key 'colour'"),
    ('store = "x.db"\nmodels = ["/nope.onnx"]\n', "/nope.onnx"),
])
def test_a_bad_campaign_raises_the_clis_message(tmp_path, text, message):
    campaign = tmp_path / "c.toml"
    campaign.write_text(text)
    with pytest.raises(nndelta.Error, match=message):
        nndelta.run(str(campaign), progress=False)


def test_bad_arguments_raise(tmp_path):
    campaign = write_campaign(tmp_path, "c.db", ["ref@cpu:O2"])
    with pytest.raises(nndelta.Error, match="expected i/N"):
        nndelta.run(str(campaign), shard="3/2")
    with pytest.raises(nndelta.Error, match="progress must be"):
        nndelta.run(str(campaign), progress="yes")
    with pytest.raises(nndelta.Error, match="/nope.toml"):
        nndelta.run("/nope.toml")
