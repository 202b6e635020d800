"""Tests that every gallery example runs and draws at least one figure."""

import runpy
from pathlib import Path

import pytest

matplotlib = pytest.importorskip("matplotlib")

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("plot_*.py"))


@pytest.fixture
def pyplot(monkeypatch):
    """Return pyplot on the non-interactive Agg backend, with no figure open."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    plt.close("all")
    yield plt
    plt.close("all")


def test_examples_found():
    """The glob finds the gallery's examples, so the test below is not empty."""
    assert len(EXAMPLES) >= 1


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_draws_figure(path, tmp_path, pyplot):
    """Running the example leaves figures that save as non-empty PNG files."""
    runpy.run_path(str(path), run_name="__main__")

    saved = []
    for number in pyplot.get_fignums():
        target = tmp_path / f"{path.stem}_{number}.png"
        pyplot.figure(number).savefig(target)
        saved.append(target)
    assert saved, f"{path.name} drew no figure"
    assert all(target.stat().st_size > 0 for target in saved)
