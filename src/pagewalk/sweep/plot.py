"""Plots of a sweep's results table (matplotlib, Agg backend, files only).

* :func:`plot_mrc_families`: for each trace, its miss-ratio curves, one line
  per policy (and the one-pass LRU curve, SHARDS estimates with one line per
  seed), one panel per mode;
* :func:`plot_policy_heatmap`: for each mode, policy vs policy: the geometric
  mean, over every trace and size where both ran, of faults(row) / faults(col)
  (below 1: the row policy faults less);
* :func:`plot_results`: both, into a directory; what ``pagewalk plot`` draws.

Each takes the DataFrame :func:`pagewalk.sweep` returns (or reads a Parquet
file) and ignores failed rows.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InvalidArgument

FORMATS = ("png", "svg", "pdf")


def read_results(results: pd.DataFrame | str | os.PathLike) -> pd.DataFrame:
    """The ok rows of a results table, from a DataFrame or a Parquet/CSV file."""
    if isinstance(results, pd.DataFrame):
        df = results
    else:
        path = Path(results)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such results file")
        try:
            df = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
        except Exception as exc:
            raise ValueError(f"{path}: not a sweep results table ({exc})") from None
    missing = {"trace", "policy", "frames", "mode", "miss_ratio", "faults"} - set(df.columns)
    if missing:
        raise ValueError(f"results table lacks columns {', '.join(sorted(missing))}; "
                         "give the output of pagewalk sweep")
    if "status" in df.columns:
        df = df[df["status"] == "ok"]
    if "method" not in df.columns:
        df = df.assign(method="replay")
    if "seed" not in df.columns:
        df = df.assign(seed=0)
    return df


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "trace"


def plot_mrc_families(results: pd.DataFrame | str | os.PathLike, trace: str,
                      path: str | os.PathLike) -> None:
    """Draw the miss-ratio curves of ``trace`` (one line per policy and method,
    one panel per mode) to ``path`` (.png, .svg or .pdf)."""
    df = read_results(results)
    df = df[df["trace"] == trace]
    if df.empty:
        raise InvalidArgument(f"plot: no results for trace {trace!r}")
    plt = _pyplot()
    modes = sorted(df["mode"].unique())
    lines = sorted({(m, p, int(sd)) for m, p, sd in
                    df[["method", "policy", "seed"]].itertuples(index=False)})
    colors = {line: f"C{i % 10}" for i, line in enumerate(lines)}
    fig, axes = plt.subplots(1, len(modes), figsize=(6.5 * len(modes), 4.5), dpi=110,
                             squeeze=False)
    for ax, mode in zip(axes[0], modes, strict=True):
        part = df[df["mode"] == mode]
        for (method, policy, seed), g in part.groupby(["method", "policy", "seed"]):
            g = g.sort_values("frames")
            color = colors[(method, policy, int(seed))]
            if method == "replay":
                ax.plot(g["frames"], g["miss_ratio"], "-o", ms=3, color=color, label=policy)
            else:
                label = ("LRU one pass" if method == "mrc"
                         else f"LRU SHARDS {g['sample_rate'].iloc[0]:g} seed {seed}")
                ax.plot(g["frames"], g["miss_ratio"], "--x", ms=4, lw=1.2, color=color,
                        label=label)
        if part["frames"].max() > 200:
            ax.set_xscale("log")
        ax.set_xlabel("frames (4 KiB pages)")
        ax.set_ylabel("miss ratio")
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title(f"{mode} mode")
    first = df.iloc[0]
    fig.suptitle(f"{trace}: {int(first['accesses']):,} accesses, "
                 f"{int(first['distinct_pages']):,} pages" if "accesses" in df else trace)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def ratio_matrix(results: pd.DataFrame | str | os.PathLike, mode: str = "cache") -> pd.DataFrame:
    """Policy x policy: geometric mean of faults(row) / faults(col) over the
    traces and sizes where both have a replay row with faults > 0."""
    df = read_results(results)
    df = df[(df["method"] == "replay") & (df["mode"] == mode)]
    wide = df.pivot_table(index=["trace", "frames"], columns="policy", values="faults",
                          aggfunc="first").astype(float)
    policies = list(wide.columns)
    logs = np.log(wide.where(wide > 0))
    out = pd.DataFrame(np.nan, index=policies, columns=policies)
    for a in policies:
        for b in policies:
            diff = (logs[a] - logs[b]).dropna()
            if len(diff):
                out.loc[a, b] = float(np.exp(diff.mean()))
    return out


def plot_policy_heatmap(results: pd.DataFrame | str | os.PathLike, path: str | os.PathLike,
                        mode: str = "cache") -> None:
    """Draw :func:`ratio_matrix` for ``mode`` as an annotated heatmap."""
    m = ratio_matrix(results, mode)
    if m.empty:
        raise InvalidArgument(f"plot: no replay results in {mode} mode")
    plt = _pyplot()
    n = len(m)
    fig, ax = plt.subplots(figsize=(1.0 * n + 3, 0.8 * n + 2), dpi=110)
    vals = np.log2(m.to_numpy(dtype=float))
    lim = max(float(np.nanmax(np.abs(vals))) if np.isfinite(vals).any() else 1.0, 1e-3)
    im = ax.imshow(vals, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_xticks(range(n), m.columns, rotation=45, ha="right")
    ax.set_yticks(range(n), m.index)
    for i in range(n):
        for j in range(n):
            v = m.iat[i, j]
            dark = abs(vals[i, j]) > 0.6 * lim if np.isfinite(vals[i, j]) else False
            ax.text(j, i, "" if np.isnan(v) else f"{v:.2f}", ha="center", va="center",
                    fontsize=8, color="white" if dark else "black")
    fig.colorbar(im, ax=ax, label="log2 faults(row) / faults(col)")
    ax.set_title(f"faults, row policy / column policy ({mode} mode, geometric mean)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_results(results: pd.DataFrame | str | os.PathLike, out_dir: str | os.PathLike,
                 format: str = "png") -> list[Path]:
    """Every plot of a results table into ``out_dir``: ``mrc-TRACE.FORMAT`` per
    trace and ``heatmap-MODE.FORMAT`` per mode; the paths written."""
    if format not in FORMATS:
        raise InvalidArgument(f"plot: format={format!r}; write one of {', '.join(FORMATS)}")
    df = read_results(results)
    if df.empty:
        raise InvalidArgument("plot: the results table has no ok rows to draw")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for trace in sorted(df["trace"].unique()):
        p = out / f"mrc-{_slug(trace)}.{format}"
        plot_mrc_families(df, trace, p)
        written.append(p)
    replays = df[df["method"] == "replay"]
    for mode in sorted(replays["mode"].unique()):
        if replays[replays["mode"] == mode]["policy"].nunique() > 1:
            p = out / f"heatmap-{mode}.{format}"
            plot_policy_heatmap(df, p, mode)
            written.append(p)
    return written
