"""Fixtures of the Python module's tests: the zoo, and one small store made by a real campaign
(resnet, 4 Fashion-MNIST test images, ref and opencv, logits and 2 inputs' intermediates kept)."""
import os
import pathlib

import pytest

import nndelta

ROOT = pathlib.Path(__file__).resolve().parents[2]
ZOO = ROOT / "zoo"
# The CLI binary of the build under test (CTest sets it), which hosts the workers.
NNDELTA = os.environ.get("NNDELTA_BINARY", str(ROOT / "build" / "nndelta"))
IMAGES = 4
# Labels of the first Fashion-MNIST test images, as the dataset has them.
LABELS = [9, 2, 1, 1]


def write_campaign(folder, store, environments, extra=""):
    path = pathlib.Path(folder) / "c.toml"
    envs = ", ".join(f'"{e}"' for e in environments)
    path.write_text(
        f'store = "{store}"\nmodels = ["{ZOO}/resnet.onnx"]\n'
        f'[dataset]\nspec = "fashion-mnist:test"\nlimit = {IMAGES}\n'
        f'[environments]\nlist = [{envs}]\n[run]\njobs = 1\n{extra}')
    return path


@pytest.fixture(scope="session")
def small_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    campaign = write_campaign(folder, "small.db", ["ref@cpu:O2", "opencv@cpu:O2"],
                              "[keep]\nlogits = true\nintermediates = 2\n")
    summary = nndelta.run(str(campaign), progress=False)
    return folder / "small.db", summary
