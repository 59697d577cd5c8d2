"""``pagewalk run --plot out.png``: RSS and cumulative faults of every task over the steps."""

from __future__ import annotations

import re
from pathlib import Path

from .runner import RunResult


def _latin(text: str) -> str:
    """The title without CJK glyphs (matplotlib's default font has none)."""
    kept = "".join(ch for ch in text if ord(ch) < 0x2E80)
    return re.sub(r"\s*\(\s*\)", "", kept).strip()


def plot_run(result: RunResult, out: str | Path) -> Path:
    """Write a PNG with two panels: resident pages per task (top) and cumulative
    minor (solid) and major (dashed) faults per task (bottom), step by step. A
    scenario that ran programs gets its run's timeline and working sets instead;
    one of replay steps only, faults against frames (scenario/replay_plot.py)."""
    from .replay_plot import is_replay_only, plot_replay
    if is_replay_only(result):      # replay steps: faults against frames (issue 13)
        return plot_replay(result, out, _latin(result.scenario.title))
    timed = [r.report for r in result.steps if getattr(r, "report", None) is not None]
    if timed:                       # programs ran (issue 6): the timeline of the last run
        return timed[-1].plot(out, _latin(result.scenario.title))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps = [r for r in result.steps if r.cumulative]
    xs = [r.step.index for r in steps]
    tasks = list(dict.fromkeys(t for r in steps for t in r.cumulative))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, task in enumerate(tasks):
        c = colors[i % len(colors)]
        pts = [(r.step.index, r.rss.get(task)) for r in steps if task in r.rss]
        ax1.step([p[0] for p in pts], [p[1] for p in pts], where="post", color=c,
                 label=task, linewidth=2)
        cum = [(r.step.index, *r.cumulative[task]) for r in steps if task in r.cumulative]
        ax2.step([p[0] for p in cum], [p[1] for p in cum], where="post", color=c,
                 label=f"{task} minor", linewidth=2)
        if any(p[2] for p in cum):
            ax2.step([p[0] for p in cum], [p[2] for p in cum], where="post", color=c,
                     linestyle="--", label=f"{task} major", linewidth=2)
    ax1.set_ylabel("RSS (pages)")
    ax1.set_title(_latin(result.scenario.title), fontsize=11)
    ax1.legend(loc="upper left", fontsize=8)
    ax1.grid(alpha=0.3)
    ax2.set_ylabel("cumulative faults")
    ax2.set_xlabel("step")
    ax2.legend(loc="upper left", fontsize=8)
    ax2.grid(alpha=0.3)
    ax2.set_xticks(xs)
    ax2.set_xticklabels([f"{r.step.index}\n{r.step.op}" for r in steps], fontsize=7)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
