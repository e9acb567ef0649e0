"""Speed of reading a store into pandas from Python (issue 16 target: 400k predictions in < 2 s).

Builds a store of RUNS x INPUTS predictions (top-5, and 10 logits each): a one-image campaign
makes the schema, then plain SQL adds the runs, inputs and predictions (docs/store.md). Then
times nndelta.Store(path).predictions() and predictions(with_logits=True), fresh Store each time.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_store_bench.py [--runs 40] [--inputs 10000]
"""
import argparse
import os
import pathlib
import sqlite3
import statistics
import tempfile
import time

import numpy as np
import nndelta

ROOT = pathlib.Path(__file__).resolve().parents[1]


def build(path, runs, inputs):
    campaign = path.with_suffix(".toml")
    campaign.write_text(
        f'store = "{path.name}"\nmodels = ["{ROOT}/zoo/resnet.onnx"]\n'
        '[dataset]\nspec = "fashion-mnist:test"\nlimit = 1\n'
        '[environments]\nlist = ["ref@cpu:O2"]\n')
    nndelta.run(str(campaign), progress=False)
    db = sqlite3.connect(path)
    db.execute("DELETE FROM predictions")
    (model_id,) = db.execute("SELECT id FROM models").fetchone()
    db.executemany("INSERT OR IGNORE INTO inputs(dataset_key, label, source) VALUES (?, ?, ?)",
                   ((f"synthetic#{i}", i % 10, "bench") for i in range(inputs)))
    input_ids = [i for (i,) in db.execute(
        "SELECT id FROM inputs WHERE source = 'bench' ORDER BY id")]
    rng = np.random.default_rng(7)
    for r in range(runs):
        db.execute("INSERT OR IGNORE INTO environments(spec) VALUES (?)", (f"ref@cpu:O2,bench={r}",))
        (env_id,) = db.execute("SELECT id FROM environments WHERE spec = ?",
                               (f"ref@cpu:O2,bench={r}",)).fetchone()
        db.execute("INSERT INTO runs(model_id, env_id, status) VALUES (?, ?, 'done')",
                   (model_id, env_id))
        (run_id,) = db.execute("SELECT last_insert_rowid()").fetchone()
        logits = rng.standard_normal((inputs, 10), dtype=np.float32)
        top = np.argsort(-logits, axis=1)[:, :5].astype("<i4")
        scores = np.take_along_axis(logits, top, axis=1).astype("<f4")
        db.executemany(
            "INSERT INTO predictions(run_id, input_id, repetition, top1, top_ids, top_scores, "
            "logits, latency_ns, outcome) VALUES (?, ?, 0, ?, ?, ?, ?, ?, 'ok')",
            ((run_id, input_ids[i], int(top[i, 0]), top[i].tobytes(), scores[i].tobytes(),
              logits[i].astype("<f4").tobytes(), 250_000 + i) for i in range(inputs)))
    db.commit()
    (count,) = db.execute("SELECT count(*) FROM predictions").fetchone()
    db.close()
    return count


def timed(path, with_logits, repeats):
    """Wall and CPU seconds of each read (CPU time tells a busy machine from a slow read)."""
    seconds, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        frame = nndelta.Store(str(path)).predictions(with_logits=with_logits)
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return frame, seconds, cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=os.environ.get("NNDELTA_BENCH_DIR")) as folder:
        path = pathlib.Path(folder) / "bench.db"
        start = time.perf_counter()
        count = build(path, args.runs, args.inputs)
        print(f"store: {count} predictions, {path.stat().st_size / 1e6:.1f} MB, "
              f"built in {time.perf_counter() - start:.1f} s")
        nndelta.Store(str(path)).inputs()  # imports pandas, outside the timings
        print(f"load average before: {os.getloadavg()[0]:.1f}")
        for with_logits in (False, True):
            frame, seconds, cpu = timed(path, with_logits, args.repeats)
            assert len(frame) == count
            print(f"predictions(with_logits={with_logits}): wall median "
                  f"{statistics.median(seconds):.3f} s (min {min(seconds):.3f}, max "
                  f"{max(seconds):.3f}), CPU median {statistics.median(cpu):.3f} s, over "
                  f"{args.repeats} reads")


if __name__ == "__main__":
    main()
