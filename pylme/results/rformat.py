"""Numbers and tables printed the way R prints them.

Just enough of R's ``format()`` (formatReal), ``print.default`` for named vectors and
character matrices, ``format.pval`` and ``abbreviate`` to lay out lme4's summary.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable, Sequence

import numpy as np

from pylme.conversion.rtypes import is_r_na_bits


def _sig(x: float, digits: int) -> tuple[int, int]:
    """(exponent, significant digits needed) of x shown with at most ``digits`` digits."""
    if x == 0:
        return 0, 1
    mant, exp = f"{abs(x):.{digits - 1}e}".split("e")
    kp = int(exp)
    nsig = len(mant.replace(".", "").rstrip("0")) or 1
    return kp, nsig


def format_real(values: Iterable[float], digits: int = 7, nsmall: int = 0) -> list[str]:
    """R's ``format(x, digits = digits, nsmall = nsmall)`` for a numeric vector (common width)."""
    xs = [float(v) for v in values]
    finite = [v for v in xs if math.isfinite(v)]
    if not finite:
        return _pad([_nonfinite(v) for v in xs])
    neg = any(v < 0 for v in finite)
    info = [_sig(v, digits) for v in finite]
    mxsl = max((1 if v < 0 else 0) + (kp + 1 if kp >= 0 else 1) for v, (kp, _) in zip(finite, info))
    rgt = max(max(0, ns - kp - 1) for kp, ns in info)
    width_fixed = mxsl + rgt + (1 if rgt else 0)
    mxns = max(ns for _, ns in info)
    big_exp = any(abs(kp) >= 100 for kp, _ in info)
    width_sci = (1 if neg else 0) + (mxns + 1 if mxns > 1 else mxns) + 4 + (1 if big_exp else 0)
    if width_fixed <= width_sci:
        rgt = max(rgt, nsmall)
        out = [f"{v:.{rgt}f}" if math.isfinite(v) else _nonfinite(v) for v in xs]
    else:
        out = [_sci(v, mxns - 1) if math.isfinite(v) else _nonfinite(v) for v in xs]
    return _pad(out)


def is_r_na(v: float) -> bool:
    """Whether v is R's NA_real_ rather than NaN: R marks NA by a NaN whose low word is 1954."""
    return math.isnan(v) and is_r_na_bits(struct.unpack("<Q", struct.pack("<d", v))[0])


def _nonfinite(v: float) -> str:
    if math.isnan(v):
        return "NA" if is_r_na(v) else "NaN"
    return "Inf" if v > 0 else "-Inf"


def _sci(v: float, decimals: int) -> str:
    mant, exp = f"{v:.{decimals}e}".split("e")
    e = int(exp)
    return f"{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"


def _pad(items: list[str], right: bool = True) -> list[str]:
    w = max((len(s) for s in items), default=0)
    return [s.rjust(w) if right else s.ljust(w) for s in items]


def zapsmall(
    values: Iterable[float], digits: int, r_version: tuple[int, ...] = (4, 2)
) -> np.ndarray:
    """R's ``zapsmall``, as the running R version has it.

    R < 4.4 and R >= 4.5 round to ``digits - log10(max)`` decimals (R's ``round`` takes the
    nearest whole number of digits); R 4.4 used ``digits - ceiling(log10(max))``. Read from
    ``print(zapsmall)`` in R 4.2.2 and R 4.5.0.
    """
    x = np.asarray(values, dtype=float)
    if not x.size or np.isnan(x).all():  # R: if (all(ina <- is.na(x))) return(x)
        return x
    mx = np.nanmax(np.abs(x))
    if mx <= 0:
        return np.round(x, digits)
    if (4, 4) <= r_version[:2] < (4, 5):
        d = max(0, digits - math.ceil(math.log10(mx)))
    else:
        d = max(0, math.floor(digits - math.log10(mx) + 0.5))
    return np.round(x, d)


def named_vector(names: Sequence[str], values: Sequence[str]) -> str:
    """``print()`` of a named vector whose values are already formatted (right-aligned)."""
    w = max(max(len(n) for n in names), max(len(v) for v in values))
    head = " ".join(n.rjust(w) for n in names) + " "
    body = " ".join(v.rjust(w) for v in values) + " "
    return head + "\n" + body


def char_matrix(
    cells: Sequence[Sequence[str]],
    colnames: Sequence[str],
    rownames: Sequence[str] | None = None,
    right: bool = False,
) -> str:
    """``print(m, quote = FALSE, right = right)`` of a character matrix."""
    ncol = len(colnames)
    widths = [max([len(colnames[j])] + [len(r[j]) for r in cells]) for j in range(ncol)]
    rn = list(rownames) if rownames is not None else [""] * len(cells)
    rw = max((len(r) for r in rn), default=0)

    def cell(s: str, w: int) -> str:
        return s.rjust(w) if right else s.ljust(w)

    lines = [" " * rw + "".join(" " + cell(c, w) for c, w in zip(colnames, widths))]
    for name, row in zip(rn, cells):
        lines.append(name.ljust(rw) + "".join(" " + cell(c, w) for c, w in zip(row, widths)))
    return "\n".join(lines)


def format_pval(
    pvalues: Iterable[float], digits: int, eps: float = float(np.finfo(float).eps)
) -> list[str]:
    """R's ``format.pval(pv, digits = digits, eps = eps)`` (R 4.2)."""
    pv = [float(p) for p in pvalues]
    out = [""] * len(pv)
    small = [i for i, p in enumerate(pv) if p < eps]
    rest = [i for i, p in enumerate(pv) if p >= eps]
    if rest:
        expo = {i: math.floor(math.log10(pv[i])) if pv[i] > 0 else -50 for i in rest}
        fix = [i for i in rest if expo[i] >= -3 or (expo[i] == -4 and digits > 1)]
        sci = [i for i in rest if i not in fix]
        for group in (fix, sci):
            if group:
                for i, txt in zip(group, format_real([pv[i] for i in group], digits=digits)):
                    out[i] = txt
    if small:
        d = max(1, digits - 2)
        if rest:
            nc = max(len(out[i]) for i in rest)
            if d > 1 and d + 6 > nc:
                d = max(1, nc - 7)
            sep = "" if (d == 1 and nc <= 6) else " "
        else:
            sep = "" if d == 1 else " "
        for i in small:
            out[i] = "<" + sep + format_real([eps], digits=d)[0]
    return out


def signif_stars(p: float) -> str:
    for cut, sym in ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, ".")):
        if p <= cut:
            return sym
    return " "


_VOWELS = set("aeiou")


def abbreviate(names: Sequence[str], minlength: int) -> list[str]:
    """R's ``abbreviate(names, minlength)`` (method "left.kept"), duplicates made unique."""
    out = [_abbrev1(n, minlength) for n in names]
    ml = minlength
    while len(set(out)) < len(out) and ml < max(len(n) for n in names):
        ml += 1
        dup = {a for a in out if out.count(a) > 1}
        out = [_abbrev1(n, ml) if a in dup else a for n, a in zip(names, out)]
    return out


def _abbrev1(name: str, minlength: int) -> str:
    s = list(name.strip())
    if len(s) <= minlength:
        return "".join(s)

    def first_char(i: int) -> bool:
        return s[i - 1].isspace()

    def shrink(pred) -> bool:  # type: ignore[no-untyped-def]
        i = len(s) - 1
        while i > 0:
            if i < len(s) and pred(i):
                del s[i]
            if len(s) - s.count(" ") <= minlength:
                return True
            i -= 1
        return False

    # R drops lower-case vowels from the right, then lower-case letters, then anything.
    (
        shrink(lambda i: s[i] in _VOWELS and not first_char(i))
        or shrink(lambda i: s[i].islower() and not first_char(i))
        or shrink(lambda i: not first_char(i) and not s[i].isspace())
    )
    return "".join(c for c in s if not c.isspace()) if len(s) > minlength else "".join(s)
