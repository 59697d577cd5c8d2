"""Drawing miss-ratio curves with matplotlib (Agg backend, files only)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .mrc import MissRatioCurve

_MARKERS = "osD^vP*Xh"


def log_axis_floor(ratios) -> float | None:
    """The lower limit of a log miss-ratio axis when the curve spans two decades
    or more (else None: a linear axis from 0 shows it best)."""
    import numpy as np
    values = np.concatenate([np.asarray(r, np.float64).ravel() for r in ratios])
    positive = values[values > 0]
    if positive.size == 0 or positive.max() < 100 * positive.min():
        return None
    return float(positive.min()) / 2


def plot_mrc(curve: MissRatioCurve, path: str | os.PathLike, title: str | None = None) -> None:
    """Write a PNG/SVG/PDF (by suffix) of the curve and its replay markers."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(curve.accesses, 1)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    label = curve.policy.upper() + (" (one pass)" if curve.sample_rate is None
                                    else f" (SHARDS, rate {curve.sample_rate:g})")
    if curve.policy == "lru":
        ax.step(curve.frames, curve.misses / n, where="post", label=label, lw=1.6)
    else:
        ax.plot(curve.frames, curve.misses / n, "-o", ms=3, label=curve.policy.upper())
    for i, (pol, (frames, misses)) in enumerate(sorted(curve.replays.items())):
        ax.plot(frames, misses / n, _MARKERS[i % len(_MARKERS)], ms=6, mfc="none",
                label=f"{pol.upper()} (replay)")
    if curve.frames.size and curve.frames[-1] > 200:
        ax.set_xscale("symlog", linthresh=1)
    ax.set_xlabel("frames (4 KiB pages)")
    ax.set_ylabel("miss ratio")
    ratios = [curve.misses / n] + [m / n for _, m in curve.replays.values()]
    floor = log_axis_floor(ratios)
    if floor is None:
        ax.set_ylim(0, 1.02)
    else:
        ax.set_yscale("log")
        ax.set_ylim(floor, 1.05)
        ax.set_ylabel("miss ratio (log scale)")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(title or f"miss-ratio curve: {curve.accesses:,} accesses, "
                          f"{curve.distinct_pages:,} pages")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
