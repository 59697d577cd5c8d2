"""pw.Config.from_host: the host's settings read into the model."""

from __future__ import annotations

import dataclasses

import pagewalk as pw
from pagewalk.hostconfig import HostSettings, SwapDevice, host_knobs, read_host_settings


def _settings(**kw) -> HostSettings:
    base = dict(kernel="6.18.44", kernel_build="#1", cpus=2, thp="madvise",
                thp_defrag="madvise", thp_use_zero_page=1,
                thp_sizes={"64kB": "never", "2048kB": "inherit"}, shmem_enabled="never",
                page_cluster=3, read_ahead_kb=8192, fault_around_bytes=None,
                overcommit_memory=0, overcommit_ratio=50, min_free_kbytes=67584,
                swappiness=60)
    base.update(kw)
    return HostSettings(**base)


def test_knobs_from_a_supported_host() -> None:
    knobs, bad = host_knobs(_settings())
    assert bad == []
    assert knobs == {"thp": "madvise", "page_cluster": 3, "read_ahead_kb": 8192,
                     "fault_around_bytes": 65536, "swappiness": 60, "overcommit_memory": 0,
                     "overcommit_ratio": 50, "cpus": 2}
    pw.Machine(**knobs)                              # a valid machine


def test_unsupported_settings_are_named_with_a_reason() -> None:
    _, bad = host_knobs(_settings(thp_sizes={"64kB": "always", "2048kB": "inherit"},
                                  thp_use_zero_page=0, shmem_enabled="always",
                                  overcommit_memory=3, kernel="5.4.0"))
    names = [u.name for u in bad]
    assert names == ["thp_sizes", "thp_use_zero_page", "shmem_enabled", "overcommit_memory",
                     "kernel"]
    assert all(u.reason for u in bad)
    assert "mTHP" in str(bad[0])


def test_overcommit_mode_and_ratio_come_from_the_host() -> None:
    knobs, bad = host_knobs(_settings(overcommit_memory=2, overcommit_ratio=80))
    assert (knobs["overcommit_memory"], knobs["overcommit_ratio"]) == (2, 80)
    assert not [u for u in bad if u.name.startswith("overcommit")]
    assert pw.Machine(**knobs).config.overcommit_memory == 2


def test_pmd_size_never_turns_thp_off() -> None:
    knobs, _ = host_knobs(_settings(thp="always", thp_sizes={"2048kB": "never"}))
    assert knobs["thp"] == "never"


def test_read_from_this_host() -> None:
    s = read_host_settings()
    assert s.cpus >= 1 and s.kernel
    for dev in s.swap:
        assert isinstance(dev, SwapDevice) and dev.kind in ("sync", "async")
    cfg = pw.Config.from_host()
    assert cfg.profile == "linux"
    assert cfg.extra["host"]["kernel"] == s.kernel
    assert isinstance(cfg.extra["unsupported"], list)
    assert cfg.cpus == s.cpus
    assert dataclasses.replace(cfg) == cfg


def test_from_host_overrides_win() -> None:
    assert pw.Config.from_host(thp="never").thp == "never"
