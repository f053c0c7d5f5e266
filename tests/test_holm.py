"""Holm's correction: the same decisions as statsmodels, and no side effect on the garbage collector."""

from __future__ import annotations

import gc
import random

import pytest
from statsmodels.stats.multitest import multipletests

from audit.analyse.statistics import adjust_holm, clear_after_holm


def _statsmodels(p_values: list[float], alpha: float) -> list[bool]:
    return [bool(r) for r in multipletests(p_values, alpha=alpha, method="holm")[0]]


@pytest.mark.parametrize("seed", range(40))
def test_holm_decides_as_statsmodels(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # statsmodels' Holm branch ends with gc.collect(), which has no part in its decisions but walks every object of
    # the test process (0.3 to 1 s a call after the other modules' tests): here it collects nothing.
    monkeypatch.setattr(gc, "collect", lambda generation=2: 0)
    rng = random.Random(seed)
    m = rng.randint(1, 30)
    alpha = rng.choice([0.05, 0.01, 0.1])
    # Small p-values, ties, and values exactly on a step's threshold (alpha / k) are the cases that decide.
    pool = [rng.random() * 0.1 for _ in range(m)] + [alpha / k for k in range(1, m + 1)] + [0.0, 1.0]
    p_values = [rng.choice(pool) for _ in range(m)]
    assert adjust_holm(p_values, alpha) == _statsmodels(p_values, alpha)


def test_holm_keeps_none_and_nan_out_of_the_count() -> None:
    nan = float("nan")
    assert adjust_holm([None, 0.02, nan, 0.03]) == [None, True, None, True]  # 2 tests: 0.02 <= 0.025, 0.03 <= 0.05
    assert adjust_holm([None, nan]) == [None, None]


def test_holm_leaves_frozen_objects_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report kernel freezes its imports so that resets are cheap; Holm must not unfreeze them.

    The frozen count itself can fall by a few meanwhile: a frozen object that another thread of the test process
    lets go of leaves the count. An unfreeze empties it.
    """
    unfrozen = []
    monkeypatch.setattr(gc, "unfreeze", lambda: unfrozen.append(True))
    before = gc.get_freeze_count()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        adjust_holm([0.001, 0.04, 0.2])
        clear_after_holm([0.001, 0.04, 0.2], [True, True, True])
        assert not unfrozen
        assert gc.get_freeze_count() > frozen * 0.9
    finally:
        monkeypatch.undo()
        gc.unfreeze()
        if before:
            gc.freeze()  # the test process's own (tests/conftest.py), for the modules after this one
