"""The compiled lackey parser (its fast path and its general path) against a plain
Python reference, on generated lackey text with malformed lines among the good
ones: the same accesses, or the same one-line error, or the same warning for a
last line cut short; at every block size."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pagewalk.trace as pt
from pagewalk.errors import PagewalkWarning
from pagewalk.trace import parse, textstream

SPACE = b" \t"
HEX = b"0123456789abcdefABCDEF"
MASK = (1 << 64) - 1


class Malformed(Exception):
    def __init__(self, lineno: int, status: int, start: int) -> None:
        self.lineno, self.status, self.start = lineno, status, start


def _line(text: bytes, start: int) -> tuple[int, list[tuple[int, bool]]] | None:
    """Parse the line at ``start`` the way the documented grammar says: returns
    (next line's start, accesses), or None past the end; raises Malformed."""
    n = len(text)
    i = start
    while i < n and text[i] in SPACE:
        i += 1
    if i >= n:
        return None
    if text[i] in b"\n\r=":  # blank, or a valgrind message: skipped to the newline
        stop = text.find(b"\n", i)
        return (n if stop < 0 else stop + 1), []
    op = text[i]
    if op not in b"ILSM" or i + 1 >= n or text[i + 1] not in SPACE:
        raise Malformed(0, parse.LACKEY_BAD_OP, start)
    i += 1
    while i < n and text[i] in SPACE:
        i += 1
    j = i
    while j < n and text[j] in HEX:
        j += 1
    if not 1 <= j - i <= 16:
        raise Malformed(0, parse.LACKEY_BAD_ADDR, start)
    addr = int(text[i:j], 16)
    if j >= n or text[j] != ord(","):
        raise Malformed(0, parse.LACKEY_BAD_COMMA, start)
    i = j = j + 1
    while j < n and text[j] in b"0123456789":
        j += 1
    if not 1 <= j - i <= 19:
        raise Malformed(0, parse.LACKEY_BAD_SIZE, start)
    size = int(text[i:j]) or 1
    while j < n and text[j] in b" \t\r":
        j += 1
    if j < n and text[j] != ord("\n"):
        raise Malformed(0, parse.LACKEY_TRAILING, start)
    first = addr >> 12
    last = max(first, ((addr + size - 1) & MASK) >> 12)
    w = op in b"SM"
    if last - first >= 1 << 24:  # refused below (more than MAX_LINE_PAGES): not listed
        return j + 1, range(last - first + 1)  # type: ignore[return-value]
    return j + 1, [(p, w) for p in range(first, last + 1)]


def reference(text: bytes, name: str, chunk: int) -> tuple[list[int], list[bool], bool]:
    """(pages, writes, warned) of a lackey log read in blocks of ``chunk`` bytes;
    ValueError as load_trace words it."""
    pages: list[int] = []
    writes: list[bool] = []
    pos = lineno = 0
    room = chunk // 2 + 64  # the output arrays double for a line that needs more
    while True:
        try:
            got = _line(text, pos)
        except Malformed as bad:
            if text.find(b"\n", pos) < 0:  # the last line, cut short: skipped
                return pages, writes, True
            stop = text.find(b"\n", bad.start)
            line = text[bad.start: stop][:80].decode("utf-8", "replace")
            hint = ""
            if re.fullmatch(r"[\d\s,]+", line.strip()):
                hint = " (page numbers, a reference string? read them with --format pages)"
            raise ValueError(f"{name}:{lineno + 1}: {parse.EXPECTED[bad.status]}; "
                             f"found {line.rstrip()!r}{hint}") from None
        if got is None:
            return pages, writes, False
        end, accesses = got
        while len(accesses) > room:
            if room >= textstream.MAX_LINE_PAGES:
                stop = text.find(b"\n", pos)
                line = text[pos: stop if stop >= 0 else len(text)][:80]
                raise ValueError(f"{name}:{lineno + 1}: expected an access of at most "
                                 f"{room} pages; found "
                                 f"{line.decode('utf-8', 'replace').rstrip()!r}")
            room *= 2
        pos = end
        lineno += 1
        for p, w in accesses:
            pages.append(p)
            writes.append(w)


DIGITS = st.sampled_from([0, 1, 3, 8, 9, 10, 12, 15, 16, 17, 18])
hexaddr = st.integers(0, MASK).map(lambda a: f"{a:x}") | DIGITS.flatmap(
    lambda n: st.text("0123456789abcdefABCDEF", min_size=n, max_size=n))
size = (st.integers(0, 40).map(str) | st.sampled_from([0, 1, 2, 18, 19, 20]).map(
    lambda n: "9" * n) | st.just("18446744073709551615"))
fast = st.sampled_from(["I  ", " L ", " S ", " M "])  # lackey's own layout
good = st.builds(lambda op, a, s: f"{op}{a},{s}",
                 fast | st.sampled_from(["I\t", "  L  ", "M ", "S\t ", " I  "]), hexaddr, size)
near_top = st.builds(lambda op, a, s: f"{op}{a:x},{s}", fast,
                     st.integers(MASK - 9000, MASK), st.integers(1, 9000))
straddle = st.builds(lambda op, a, s: f"{op}{a:x},{s}", fast,
                     st.integers(0, 1 << 40).map(lambda a: a | 0xFF0), st.integers(1, 70000))
other = st.sampled_from(["", "  ", "==12== Command: ls", "==1==", "\r", " L 10,8\r",
                         " L 10,8  ", " L 10,8 x", " X 10,8", "I 10", "I  ,3", "L10,8",
                         "1,2,3", "I  zz,1", "\u00e9", "I  10,8\t", "\t", "=", "I"])
junk = st.text(" \tILSM=,0123456789abcdefxyz\r", max_size=12)
# a good line with one character replaced: malformed in every position
mutated = st.builds(lambda text, at, c: text[: at % len(text)] + c + text[at % len(text) + 1:],
                    good, st.sampled_from(range(14)) | st.integers(0, 40),
                    st.sampled_from(list(" \t,x=\rILSM09afAF")))
line = st.one_of(good, good, good, near_top, straddle, other, junk, mutated, mutated)


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(line, max_size=25), end=st.booleans(),
       chunk=st.sampled_from([16, 64, 1 << 20]))
def test_parser_equals_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 lines: list[str], end: bool, chunk: int) -> None:
    monkeypatch.setattr(textstream, "CHUNK", chunk)
    text = "\n".join(lines).encode() + (b"\n" if end else b"")
    f = tmp_path / "t.lackey"
    f.write_bytes(text)
    try:
        expected = reference(text, str(f), chunk)
    except ValueError as exc:
        with pytest.raises(ValueError) as got:
            pt.load_trace(f, format="lackey")
        assert str(got.value) == str(exc)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tr = pt.load_trace(f, format="lackey")
    assert tr.pages.tolist() == expected[0]
    assert tr.writes.tolist() == expected[1]
    cut_short = [w for w in caught if issubclass(w.category, PagewalkWarning)
                 and "cut short" in str(w.message)]
    assert bool(cut_short) == expected[2]


def test_reference_agrees_on_the_documented_example() -> None:
    text = b"==1== x\nI  04022ffe,4\n S 7ff000ffc,8\n M 0403f2d0,4\n"
    pages, writes, warned = reference(text, "x", 64)
    assert pages == [0x4022, 0x4023, 0x7ff000, 0x7ff001, 0x403f]
    assert writes == [False, False, True, True, True] and not warned


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(good | near_top | straddle | mutated, min_size=1, max_size=4))
def test_record_lines_equal_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      lines: list[str]) -> None:
    """Lines of lackey's shape only (the fast path's and its edges: 17 digits, 20-digit
    sizes, pages straddled, the top of the address space)."""
    test_parser_equals_reference.hypothesis.inner_test(  # type: ignore[attr-defined]
        tmp_path, monkeypatch, lines, True, 1 << 20)


def _stream(text: bytes, name: str) -> tuple[list[int], list[bool]]:
    pages: list[int] = []
    writes: list[bool] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PagewalkWarning)
        for p, w in textstream.iter_accesses(io.BytesIO(text), b"", "lackey", name):
            pages += p.tolist()
            writes += w.tolist()
    return pages, writes


@pytest.mark.parametrize("template", ["I  0123abcd,3", " L 1ffefffd58,8", " M 04022ffe,16",
                                      " S ffffffffffffffff,2"])
def test_every_one_character_change_of_a_line(template: str) -> None:
    """Every position of lackey's own lines, each replaced by each of a set of characters
    (followed by a good line): the parser and the reference agree on all of them."""
    for at in range(len(template) + 1):
        for c in " \t,x=\r\nILSM09afAF":
            bad = (template[:at] + c + template[at + 1:]).encode() + b"\nI  0400,4\n"
            try:
                expected = reference(bad, "t", textstream.CHUNK)[:2]
            except ValueError as exc:
                with pytest.raises(ValueError) as got:
                    _stream(bad, "t")
                assert str(got.value) == str(exc), bad
                continue
            assert _stream(bad, "t") == expected, bad
