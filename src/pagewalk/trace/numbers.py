"""How ratios are printed: 3 significant digits, never a misleading 0 or 1.

A hit ratio of 0.99993 printed as ``1.0000`` beside 1,445 misses tells a reader
there were none.  :func:`ratio` prints 3 significant digits of the smaller of
the value and its complement, so ``0.99993`` is ``0.99993`` and ``0.0012`` is
``0.00120``; at least three decimals; exactly 0 and 1 print as ``0`` and ``1``.
"""

from __future__ import annotations

import math


def ratio(value: float) -> str:
    """``value`` (0..1) with 3 significant digits of whichever of ``value`` and
    ``1 - value`` is nearer 0 (so neither side rounds to 0 or 1)."""
    if value <= 0.0:
        return "0"
    if value >= 1.0:
        return "1"
    small = min(value, 1.0 - value)
    decimals = max(3, 2 - math.floor(math.log10(small)))
    text = f"{value:.{decimals}f}"
    if value > 0.5:  # the complement's zeros carry no information: 0.99993, not 0.9999300
        text = text.rstrip("0")
        text += "0" * max(0, 5 - len(text))
    return text
