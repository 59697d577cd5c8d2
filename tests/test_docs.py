"""The docs stand on their own: the design is in the repository, every scenario op,
expectation and policy is documented, and no user-facing text speaks of "the seeds"."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from pagewalk.scenario.format import EXPECT_KEYS, OPS
from pagewalk.trace.policies import POLICY_NAMES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SCENARIOS_MD = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
SEEDS = re.compile(r"\bseeds\b|种子文本|the seeds'", re.I)


def test_readme_links_the_design_in_the_repository() -> None:
    links = re.findall(r"\]\(([^)]+)\)", README)
    assert "docs/design.md" in links
    assert not [x for x in links if x.startswith("..")], links
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    assert "seeds/" not in design and "请页机制" in design
    for name in ("do_anonymous_page", "FaultContext", "pw.Machine", "classic", "--explain"):
        assert name in design, name


def test_scenarios_md_documents_every_op_expectation_and_policy() -> None:
    table_ops = set(re.findall(r"^\| ([a-z_ /()`,]+?) \|", SCENARIOS_MD, re.M))
    documented = {w for row in table_ops for w in re.findall(r"[a-z_]+", row)}
    for op in OPS:
        assert op in documented, f"op {op} missing from the table in docs/scenarios.md"
    for key in EXPECT_KEYS:
        assert f"`{key}`" in SCENARIOS_MD, key
    assert '`">0.8"`' in SCENARIOS_MD
    for policy in POLICY_NAMES:
        assert f"`{policy}`" in SCENARIOS_MD, policy
    for program in ("loop", "random_access", "file_scan", "compute"):
        assert f"| {program} |" in SCENARIOS_MD, program


def test_no_user_facing_text_speaks_of_the_seeds() -> None:
    texts = {"README.md": README, "docs/scenarios.md": SCENARIOS_MD,
             "docs/design.md": (ROOT / "docs" / "design.md").read_text(encoding="utf-8")}
    for toml in (ROOT / "src" / "pagewalk" / "scenarios").glob("*.toml"):
        texts[toml.name] = toml.read_text(encoding="utf-8")
    for cmd in (["--help"], ["demo", "--help"], ["run", "--help"], ["demo"],
                ["demo", "--lang", "zh"], ["demo", "--profile", "nope"]):
        r = subprocess.run([sys.executable, "-m", "pagewalk.cli", *cmd], capture_output=True,
                           text=True, timeout=120, env={"COLUMNS": "200", "PATH": ""})
        texts[" ".join(cmd)] = r.stdout + r.stderr
    bad = {name: SEEDS.findall(text) for name, text in texts.items() if SEEDS.search(text)}
    assert not bad, bad
