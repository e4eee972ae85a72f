"""How R represents missing values and integers: the one place these constants live.

Each value is what R itself reports; the R expression is beside it.
"""

from __future__ import annotations

#: R's NA_integer_: the smallest 32-bit integer. ``-.Machine$integer.max - 1`` is NA in R.
INT_MIN = -(2**31)
#: Largest R integer: ``.Machine$integer.max``.
INT_MAX = 2**31 - 1
#: Integers a double holds exactly: ``2^53`` (``.Machine$double.digits`` is 53).
EXACT_DOUBLE = 2**53
#: The low 32 bits of R's NA_real_, a NaN payload: R's arithmetic.c sets ``hw = 1954``.
NA_REAL_LOW_WORD = 1954
#: R's NA_real_ as the bits of an IEEE double: exponent all ones, low word 1954 (0x7A2).
NA_REAL_BITS = 0x7FF00000000007A2


def is_r_na_bits(bits: int) -> bool:
    """Whether the 64 bits of a NaN are R's NA_real_ rather than a plain NaN."""
    return bits & 0xFFFFFFFF == NA_REAL_LOW_WORD
