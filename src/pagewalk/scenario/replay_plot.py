"""``pagewalk run --plot`` for a scenario of replay steps: faults against frames.

``replay_sweep(result)`` replays each distinct reference string of the
scenario's replay steps, under each policy the steps use, on every frame count
from 1 to a little past the largest the steps use, and returns the series
(``{label: [(frames, faults), ...]}``) with the steps' own points.
``plot_replay(result, out)`` draws them: Belady's anomaly (FIFO faulting more
with more frames) is visible at a glance, where an RSS plot would show zeros.
"""

from __future__ import annotations

from pathlib import Path

from .runner import RunResult


def _refs(args: dict) -> tuple[int, ...]:
    refs = args["refs"] if "refs" in args else list(range(args["loop"]))
    return tuple(refs * args.get("repeat", 1))


def is_replay_only(result: RunResult) -> bool:
    """Every step of the run is a replay step (nothing else to plot)."""
    return bool(result.steps) and all(r.step.op == "replay" for r in result.steps)


def replay_sweep(result: RunResult) -> tuple[dict[str, list[tuple[int, int]]],
                                             dict[str, list[tuple[int, int]]]]:
    """(series, points): faults per frame count for each (reference string,
    policy, mode), and the (frames, faults) the steps themselves ran."""
    from ..trace import replay
    strings: dict[tuple[int, ...], int] = {}
    wanted: dict[tuple, int] = {}
    points: dict[str, list[tuple[int, int]]] = {}
    labels: dict[tuple, str] = {}
    for r in result.steps:
        a = r.step.args
        refs = _refs(a)
        n = strings.setdefault(refs, len(strings) + 1)
        key = (refs, a.get("policy", "lru"), a.get("mode", "cache"))
        wanted[key] = max(wanted.get(key, 0), a["frames"])
        label = key[1] + (f" (string {n})" if len(strings) > 1 else "") + (
            f", {key[2]}" if key[2] != "cache" else "")
        labels[key] = label
        if r.replay is not None:
            points.setdefault(label, []).append((a["frames"], r.replay["faults"]))
    series: dict[str, list[tuple[int, int]]] = {}
    for key, top in wanted.items():
        refs, policy, mode = key
        hi = min(max(top + 2, 2), len(set(refs)) + 1)
        series[labels[key]] = [
            (f, replay(list(refs), frames=f, policy=policy, mode=mode,
                       engine="reference").faults) for f in range(1, hi + 1)]
    return series, points


def plot_replay(result: RunResult, out: str | Path, title: str) -> Path:
    """Write a PNG of faults against frames, one line per policy and string."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series, points = replay_sweep(result)
    fig, ax = plt.subplots(figsize=(8, 5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, pts) in enumerate(series.items()):
        c = colors[i % len(colors)]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", markersize=3,
                color=c, label=label, linewidth=1.5)
        for f, faults in points.get(label, []):
            ax.scatter([f], [faults], s=80, facecolors="none", edgecolors=c, linewidths=2)
            ax.annotate(str(faults), (f, faults), textcoords="offset points", xytext=(6, 6),
                        fontsize=8, color=c)
    ax.set_xlabel("frames")
    ax.set_ylabel("faults")
    ax.set_title(title + "\n(circled: the scenario's steps)", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(out)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
