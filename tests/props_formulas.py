"""A grammar of the formulas pylme allows (r_scripts/formula.R's allow-list), as hypothesis
strategies of small syntax trees, and the insertion of one refused call at any node.

A tree is a tuple: ("leaf", text), ("call", name, args) where an argument is a node or a
(name, node) pair, ("op", op, left, right) (an arithmetic or formula operator, written in
parentheses in arithmetic), ("terms", op, [nodes]) (terms joined by `` + `` and the like),
("bar", "|" or "||", lhs, group) and ("formula", lhs, rhs).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

Node = tuple[Any, ...]
NUMERIC = ["x1", "x2", "k"]
CONSTANTS = ["2", "0.5", "10", "3L", "1e-3"]


def leaf(text: str) -> Node:
    return ("leaf", text)


def call(name: str, *args: Any) -> Node:
    return ("call", name, list(args))


def formula_data(n: int = 240, seed: int = 1) -> pd.DataFrame:
    """The data every generated formula is fitted to (numpy's generator, seed 1)."""
    rng = np.random.default_rng(seed)
    g1 = np.repeat([f"s{i}" for i in range(8)], n // 8)
    g2 = np.tile([f"t{i}" for i in range(4)], n // 4)
    x1 = rng.uniform(0.5, 3, n)
    u1, u2 = rng.normal(0, 2, 8), rng.normal(0, 1, 4)
    y = 10 + x1 + np.repeat(u1, n // 8) + np.tile(u2, n // 4) + rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            "y": y,
            "x1": x1,
            "x2": rng.normal(0, 1, n),
            "k": rng.integers(0, 6, n).astype(np.int32),
            "f": pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["a", "b", "c"]),
            "b": rng.random(n) < 0.5,
            "g1": g1,
            "g2": g2,
        }
    )


UNARY = ["abs", "sin", "cos", "atan", "tanh", "asinh", "sign", "floor", "ceiling", "trunc"]
UNARY += ["sinpi", "cospi"]


def _extend(inner: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    """Arithmetic that stays finite on the data (no NaN, no Inf: no row is ever dropped)."""
    positive = st.builds(lambda e: ("op", "+", call("abs", e), leaf("1")), inner)
    return st.one_of(
        st.builds(lambda f, e: call(f, e), st.sampled_from(UNARY), inner),
        st.builds(
            lambda f, e: call(f, e), st.sampled_from(["log", "log2", "log10", "sqrt"]), positive
        ),
        st.builds(lambda e: call("log1p", call("abs", e)), inner),
        st.builds(lambda e: call("exp", ("op", "-", leaf("0"), call("abs", e))), inner),
        st.builds(
            lambda f, a, b: call(f, a, b), st.sampled_from(["pmin", "pmax", "atan2"]), inner, inner
        ),
        st.builds(lambda f, e: call(f, e, leaf("1")), st.sampled_from(["round", "signif"]), inner),
        st.builds(lambda o, a, b: ("op", o, a, b), st.sampled_from(["+", "-", "*"]), inner, inner),
        st.builds(
            lambda o, a: ("op", o, a, leaf("3")), st.sampled_from(["/", "%%", "%/%", "^"]), inner
        ),
        st.builds(
            lambda o, a, b: call("as.numeric", ("op", o, a, b)),
            st.sampled_from(["<", ">", "<=", ">=", "==", "!="]),
            inner,
            inner,
        ),
    )


ARITH = st.recursive(st.sampled_from([leaf(v) for v in NUMERIC + CONSTANTS]), _extend, max_leaves=5)

SIMPLE_TERMS = st.one_of(
    st.sampled_from([leaf(v) for v in ["x1", "x2", "k", "f", "b"]]),
    # A variable in every I(): lme4's model frame refuses a constant (I(2) has length 1).
    st.builds(
        lambda v, o, e: call("I", ("op", o, leaf(v), e)),
        st.sampled_from(NUMERIC),
        st.sampled_from(["+", "-", "*"]),
        ARITH,
    ),
    st.sampled_from(
        [
            call("log", leaf("x1")),
            call("sqrt", leaf("x1")),
            call("poly", leaf("x1"), leaf("2")),
            call("stats::poly", leaf("x2"), ("degree", leaf("2"))),
            call("splines::ns", leaf("x1"), ("df", leaf("2"))),
            call("splines::bs", leaf("x2"), ("df", leaf("3"))),
            call("scale", leaf("x2")),
            call("factor", leaf("k")),
            call("ordered", leaf("k")),
            call("relevel", leaf("f"), ("ref", leaf('"b"'))),
            call("factor", leaf("f"), ("levels", call("c", leaf('"c"'), leaf('"a"'), leaf('"b"')))),
            call("interaction", leaf("f"), leaf("b")),
            call("as.numeric", leaf("f")),
            call("as.integer", leaf("b")),
            call("as.logical", leaf("k")),
            call("offset", leaf("x2")),
        ]
    ),
)

TERMS = st.one_of(
    SIMPLE_TERMS,
    st.builds(
        lambda o, a, b: ("op", o, a, b), st.sampled_from([":", "*"]), SIMPLE_TERMS, SIMPLE_TERMS
    ),
    st.sampled_from(
        [
            ("op", "^", ("terms", "+", [leaf("x1"), leaf("x2"), leaf("f")]), leaf("2")),
            ("op", "/", leaf("f"), leaf("x1")),
            ("op", "%in%", leaf("x1"), leaf("f")),
        ]
    ),
)

# lme4 1.1-31 cannot evaluate a call as a grouping factor (such as factor(k)): R's own
# lmer() fails on it, so the grammar has only variables and their `:` and `/`.
GROUPS = st.sampled_from(
    [
        leaf("g1"),
        leaf("g2"),
        ("terms", ":", [leaf("g1"), leaf("g2")]),
        ("terms", "/", [leaf("g1"), leaf("g2")]),
    ]
)
SLOPES = st.sampled_from(
    [
        leaf("1"),
        leaf("x1"),
        ("terms", "+", [leaf("0"), leaf("x2")]),
        ("terms", "+", [leaf("1"), leaf("x1")]),
        leaf("f"),
        call("I", ("op", "/", leaf("x2"), leaf("2"))),
    ]
)
BARS = st.builds(lambda b, lhs, g: ("bar", b, lhs, g), st.sampled_from(["|", "||"]), SLOPES, GROUPS)
RESPONSES = st.sampled_from(
    [
        leaf("y"),
        call("log", ("op", "+", call("abs", leaf("y")), leaf("1"))),
        call("I", ("op", "+", ("op", "*", leaf("2"), leaf("y")), leaf("x1"))),
        call("sqrt", call("abs", leaf("y"))),
    ]
)


@st.composite
def formulas(draw: Any) -> Node:
    """response ~ [0 + | 1 +] fixed terms [- term] + 1 or 2 random terms."""
    fixed = draw(st.lists(TERMS, max_size=4))
    start = draw(st.sampled_from([[], [leaf("1")], [leaf("0")]]))
    bars = draw(st.lists(BARS, min_size=1, max_size=2))
    rhs: Node = ("terms", "+", start + fixed + bars)
    if fixed and draw(st.booleans()):
        rhs = ("terms", "-", [rhs, draw(st.sampled_from(fixed))])
    return ("formula", draw(RESPONSES), rhs)


#: Calls pylme must refuse, each of which would create the file at M.
REFUSED = [
    'system("touch M")',
    'file.create("M")',
    'writeLines("x", "M")',
    'dir.create("M")',
    'saveRDS(1, "M")',
    'cat("x", file = "M")',
    'utils::write.csv(1, "M")',
    'base::file.create("M")',
    'base:::file.create("M")',
    'get("file.create")("M")',
    'do.call("file.create", list("M"))',
    '(function() file.create("M"))()',
    'eval(quote(file.create("M")))',
    "eval(parse(text = \"file.create('M')\"))",
]


def _children(node: Node) -> list[Node]:
    kind = node[0]
    if kind == "leaf":
        return []
    if kind == "call":
        return [a[1] if isinstance(a[0], str) and a[0] not in KINDS else a for a in node[2]]
    if kind == "terms":
        return list(node[2])
    return list(node[2:]) if kind in ("op", "bar") else list(node[1:])


KINDS = ("leaf", "call", "op", "terms", "bar", "formula")


def _rebuild(node: Node, kids: list[Node]) -> Node:
    kind = node[0]
    if kind == "leaf":
        return node
    if kind == "call":
        it = iter(kids)
        args = [(a[0], next(it)) if a[0] not in KINDS else next(it) for a in node[2]]
        return ("call", node[1], args)
    if kind == "terms":
        return ("terms", node[1], kids)
    if kind in ("op", "bar"):
        return (kind, node[1], *kids)
    return (kind, *kids)


def count(node: Node) -> int:
    """Nodes in the tree (pre-order)."""
    return 1 + sum(count(c) for c in _children(node))


def replace_nth(node: Node, n: int, fn: Any) -> Node:
    """The tree with its n-th node (pre-order, 0-based) replaced by ``fn(node)``."""

    def walk(nd: Node, i: int) -> tuple[Node, int]:
        if i == n:
            return fn(nd), i + count(nd)
        i += 1
        kids = []
        for c in _children(nd):
            c2, i = walk(c, i)
            kids.append(c2)
        return _rebuild(nd, kids), i

    return walk(node, 0)[0]


def render(node: Node) -> str:
    kind = node[0]
    if kind == "leaf":
        return node[1]
    if kind == "call":
        args = [f"{a[0]} = {render(a[1])}" if a[0] not in KINDS else render(a) for a in node[2]]
        return f"{node[1]}({', '.join(args)})"
    if kind == "op":
        left, right = (f"({render(c)})" if c[0] == "terms" else render(c) for c in node[2:])
        return f"({left} {node[1]} {right})"
    if kind == "terms":
        return f" {node[1]} ".join(render(c) for c in node[2])
    if kind == "bar":
        return f"({render(node[2])} {node[1]} {render(node[3])})"
    return f"{render(node[1])} ~ {render(node[2])}"


def _variable_nodes(node: Node, start: int = 0) -> list[int]:
    """Pre-order indices of the leaves that name a data column."""
    found = [start] if node[0] == "leaf" and node[1] in COLUMNS else []
    i = start + 1
    for c in _children(node):
        found += _variable_nodes(c, i)
        i += count(c)
    return found


COLUMNS = ("y", "x1", "x2", "k", "f", "b", "g1", "g2")


@st.composite
def tampered(draw: Any, marker: str, at_variables: bool = False) -> tuple[str, str]:
    """(a generated formula, the same with one refused call inserted at any node, or only
    at a variable's)."""
    tree = draw(formulas())
    # lme4's findbars() takes a term starting with "(" for parentheses, and fails on
    # (function() ...)() before evaluating anything: not a place where R would run it.
    calls = [c for c in REFUSED if not (at_variables and c.startswith("("))]
    refused = leaf(draw(st.sampled_from(calls)).replace("M", marker))
    nodes = _variable_nodes(tree) if at_variables else range(count(tree))
    at = draw(st.sampled_from(nodes))
    how = draw(st.sampled_from(["replace", "plus", "argument"]))
    fn = {
        "replace": lambda nd: refused,
        "plus": lambda nd: ("op", "+", nd, refused),
        "argument": lambda nd: call("c", nd, refused),
    }[how]
    return render(tree), render(replace_nth(tree, at, fn))
