"""The sweep spec: validation, one clear line per mistake, size rules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import pagewalk as pw
from pagewalk.sweep.spec import SizeRule, load_spec


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "study.toml"
    p.write_text(text)
    return p


def test_toml_spec_resolves_globs_relative_to_the_spec(tmp_path, traces, monkeypatch):
    monkeypatch.chdir("/")
    spec = load_spec(write(tmp_path, 'traces = ["traces/*.pwt"]\npolicies = ["lru", "opt"]\n'
                                     "frames = [4, 16, 4]\n"))
    assert [label for label, _ in spec.traces] == ["traces/t0.pwt", "traces/t1.pwt"]
    assert all(Path(p).is_absolute() and Path(p).is_file() for _, p in spec.traces)
    assert spec.modes == ("cache",) and spec.compute == ("replay",)
    assert spec.sizes.resolve(999) == [4, 16]
    assert spec.output == tmp_path / "results.parquet" and spec.csv is None


def test_dict_spec_is_relative_to_the_current_directory(tmp_path, traces, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = load_spec({"traces": ["traces/t1.pwt"], "policies": ["clock"],
                      "memory": ["16KiB", "1MiB"], "modes": ["demand"], "csv": True})
    assert spec.traces[0][0] == "traces/t1.pwt"
    assert spec.sizes.frames == (4, 256)
    assert spec.csv == tmp_path / "results.csv"


def test_the_hash_names_what_is_computed_not_where(tmp_path, traces, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = {"traces": ["traces/*.pwt"], "policies": ["lru"], "frames": [8]}
    h = load_spec(base).hash
    assert load_spec({**base, "output": "elsewhere.parquet"}).hash == h
    assert load_spec({**base, "frames": [9]}).hash != h


BAD = [
    ("policies = ['lru']\nframes = [4]\n", "traces: missing"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru', 'belady']\nframes = [4]\n",
     "policies: unknown 'belady'; choose from lru"),
    ("traces = ['nowhere/*.pwt']\npolicies = ['lru']\nframes = [4]\n",
     "traces: 'nowhere/*.pwt' matches no file"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru']\n", "sizes: none given; write exactly one"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru']\nframes = [4]\nmemory = ['1MiB']\n",
     "sizes: frames and memory given"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru']\nframes = [0]\n",
     "frames: 0 frames; write an int >= 1"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru']\nmemory = ['lots']\n", "memory:"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru']\nsizes = { points = 0 }\n",
     "sizes.points: 0; write an int from 1 to 10000"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru']\nsizes = { points = 4, upto = 9 }\n",
     "sizes: unknown upto"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru']\nframes = [4]\nmodes = ['swap']\n",
     "modes: unknown 'swap'; choose from cache, demand"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru']\nframes = [4]\nsample = 2\n",
     "sample: 2; write a SHARDS rate"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru']\nframes = [4]\noutput = 'r.csv'\n",
     "output: 'r.csv'; write a path ending in .parquet"),
    ("traces = ['traces/*.pwt']\npolicies = ['lru']\nframes = [4]\nworkers = 3\n",
     "workers: unknown key; the keys are traces"),
    ("traces = ['traces/*.pwt'\n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_a_bad_spec_raises_invalid_argument_naming_key_and_fix(tmp_path, traces, text,
                                                                 message):
    path = write(tmp_path, text)
    with pytest.raises(pw.InvalidArgument) as info:
        pw.sweep(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert not (tmp_path / "results.parquet").exists()


def test_cli_bad_spec_is_one_line_and_exit_2(tmp_path, traces):
    path = write(tmp_path, BAD[1][0])
    r = subprocess.run([sys.executable, "-m", "pagewalk.cli", "sweep", str(path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "policies: unknown 'belady'" in r.stderr
    r = subprocess.run([sys.executable, "-m", "pagewalk.cli", "sweep", str(tmp_path / "no.toml")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "no such spec file" in r.stderr


def test_without_the_extra_the_cli_says_what_to_install(tmp_path, traces):
    path = write(tmp_path, "traces = ['traces/*.pwt']\npolicies = ['lru']\nframes = [4]\n")
    code = ("import sys; sys.modules['distributed'] = None; from pagewalk.cli import main; "
            f"main(['sweep', {str(path)!r}])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 2, r.stderr
    assert 'pip install "pagewalk[sweep]"' in r.stderr and "Traceback" not in r.stderr


def test_import_pagewalk_imports_no_sweep_library():
    code = ("import sys, pagewalk; print(sorted(m for m in ('dask', 'distributed', 'pandas', "
            "'pyarrow') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300)
    assert r.stdout.strip() == "[]", r.stderr


@given(points=st.integers(1, 60), low=st.integers(1, 50), extra=st.integers(0, 10_000),
       distinct=st.integers(0, 10_000), to_distinct=st.booleans())
def test_log_spaced_sizes_are_sorted_unique_and_in_range(points, low, extra, distinct,
                                                         to_distinct):
    rule = SizeRule(points=points, low=low, up_to=None if to_distinct else low + extra)
    sizes = rule.resolve(distinct)
    top = max(distinct if to_distinct else low + extra, low)
    assert sizes == sorted(set(sizes)) and 1 <= len(sizes) <= points
    assert sizes[-1] == top and (sizes[0] == low or points == 1)
