import shutil
import sqlite3

import numpy as np
import pandas as pd
import pytest

import nndelta
from conftest import IMAGES, LABELS


def test_runs(small_store):
    path, _ = small_store
    with nndelta.Store(str(path)) as store:
        runs = store.runs()
    assert list(runs.environment) == ["ref@cpu:O2", "opencv@cpu:O2"]
    assert list(runs.framework) == ["ref", "opencv"]
    assert list(runs.device) == ["cpu", "cpu"]
    assert list(runs.opt_level) == [2, 2]
    assert list(runs.status) == ["done", "done"]
    assert list(runs.predictions) == [IMAGES, IMAGES] and list(runs.ok) == [IMAGES, IMAGES]
    assert (runs.model == "resnet").all() and (runs.mutant_id == 0).all()
    assert runs.model_path[0].endswith("zoo/resnet.onnx") and len(runs.model_sha256[0]) == 64
    assert (runs.finished_at >= runs.started_at).all()
    assert str(runs.finished_at.dtype) == "datetime64[ns, UTC]"


def test_inputs(small_store):
    inputs = nndelta.Store(str(small_store[0])).inputs()
    assert list(inputs.dataset_key) == [f"fashion-mnist:test#{i}" for i in range(IMAGES)]
    assert list(inputs.label) == LABELS


def test_predictions(small_store):
    p = nndelta.Store(str(small_store[0])).predictions()
    assert len(p) == 2 * IMAGES
    assert list(p.columns) == ["run_id", "model", "environment", "mutant_id", "input_id",
                               "dataset_key", "label", "repetition", "top1", "top_ids",
                               "top_scores", "latency_ns", "outcome", "message"]
    assert list(p.environment) == ["ref@cpu:O2"] * IMAGES + ["opencv@cpu:O2"] * IMAGES
    assert list(p.label) == LABELS * 2
    assert (p.outcome == "ok").all() and (p.latency_ns > 0).all()
    for row in p.itertuples():
        assert row.top_ids.dtype == np.int32 and row.top_ids.shape == (5,)
        assert row.top_scores.dtype == np.float32 and row.top_scores.shape == (5,)
        assert row.top_ids[0] == row.top1
        assert (np.diff(row.top_scores) <= 0).all()
    # Views into one buffer per column: no array of its own per row.
    assert np.shares_memory(p.top_ids[0], p.top_ids[0].base)
    assert p.top_ids[0].base is p.top_ids[1].base
    accuracy = (p.top1 == p.label).groupby(p.environment).mean()
    assert 0 <= accuracy["ref@cpu:O2"] <= 1


def test_predictions_with_logits(small_store):
    p = nndelta.Store(str(small_store[0])).predictions(with_logits=True)
    for row in p.itertuples():
        assert row.logits.dtype == np.float32 and row.logits.shape == (10,)
        assert int(np.argmax(row.logits)) == row.top1
        assert np.isclose(row.logits.max(), row.top_scores[0])


def test_intermediates(small_store):
    store = nndelta.Store(str(small_store[0]))
    values = store.intermediates()
    assert set(values.dataset_key) == {"fashion-mnist:test#0", "fashion-mnist:test#1"}
    assert set(values.environment) == {"ref@cpu:O2", "opencv@cpu:O2"}
    for row in values.itertuples():
        assert row.value.shape == row.shape
        assert row.value.dtype == np.dtype(row.dtype)
    one = store.intermediates(run_id=1, dataset_key="fashion-mnist:test#0")
    assert (one.run_id == 1).all() and (one.dataset_key == "fashion-mnist:test#0").all()
    assert list(one.node_index) == sorted(one.node_index)
    # The last value is the model's output: the logits the prediction kept.
    logits = store.predictions(with_logits=True).logits[0]
    last = one.value.iloc[-1].reshape(-1)
    assert np.array_equal(last, logits)
    name = one.name.iloc[0]
    named = store.intermediates(names=[name])
    assert set(named.name) == {name} and len(named) == 4
    assert len(store.intermediates(dataset_key="nope")) == 0


def test_captures(small_store):
    captures = nndelta.Store(str(small_store[0])).captures()
    assert len(captures) == 4
    assert (captures.outcome == "ok").all()


def test_mutants(small_store, tmp_path):
    copy = tmp_path / "m.db"
    shutil.copy(small_store[0], copy)
    db = sqlite3.connect(copy)
    db.execute("INSERT INTO mutants(model_id, op, category, position, diff) "
               "VALUES (1, 'swap-relu', 'activation', 'node relu_3', '- Relu\n+ Sigmoid')")
    db.commit()
    db.close()
    mutants = nndelta.Store(str(copy)).mutants()
    assert len(mutants) == 1
    row = mutants.iloc[0]
    assert (row.mutant_id, row.model, row.op, row.category, row.position) == (
        1, "resnet", "swap-relu", "activation", "node relu_3")
    assert len(nndelta.Store(str(small_store[0])).mutants()) == 0


def test_bad_stores_raise_one_line(tmp_path):
    with pytest.raises(nndelta.Error, match="/nope.db"):
        nndelta.Store("/nope.db")
    text = tmp_path / "text.db"
    text.write_text("not a database, not at all" * 100)
    with pytest.raises(nndelta.Error, match="text.db"):
        nndelta.Store(str(text))
    newer = tmp_path / "newer.db"
    db = sqlite3.connect(newer)
    db.execute("PRAGMA application_id = 1852728436")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(nndelta.Error, match="newer nndelta"):
        nndelta.Store(str(newer))


def test_a_closed_store_raises(small_store):
    store = nndelta.Store(str(small_store[0]))
    store.close()
    with pytest.raises(nndelta.Error, match="closed"):
        store.runs()
    assert "closed" in repr(store)
