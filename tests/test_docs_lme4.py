"""docs/lme4.md, the table from lme4 to pylme: it has a row for every R call issue 20 lists,
and every pylme call in it names a real function, method, attribute and keyword argument
(checked against the classes' annotations and signatures, without running R)."""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import re
import types
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import pylme
from pylme.results import GlmerFit, LmerFit

PAGE = Path(__file__).resolve().parent.parent / "docs" / "lme4.md"
#: The names the table's pylme column uses, and what they stand for.
ROOTS: dict[str, Any] = {
    "pylme": pylme,
    "fit": LmerFit,
    "m1": LmerFit,
    "m2": LmerFit,
    "glmm": GlmerFit,
}
#: Names that stand for user data: anything goes.
DATA = {"d", "new", "newresp"}
#: The R calls the table must cover (issue 20), as they appear in its R column.
R_CALLS = (
    "lmer(",
    "glmer(",
    "glmer.nb(",
    "summary(fit)",
    "fixef(fit)",
    "vcov(fit)",
    "VarCorr(fit)",
    "ranef(fit, condVar = TRUE)",
    "coef(fit)",
    "predict(",
    "simulate(",
    "refit(",
    "update(",
    "confint(fit)` (profile)",
    'confint(fit, method = "Wald")',
    'confint(fit, method = "boot"',
    "anova(m1, m2)",
    "lmerTest::",
    "emmeans(",
    "broom.mixed::tidy(",
    "bootMer(",
    "saveRDS(",
    "readRDS(",
    "convergence",
    "allFit(",
    "isSingular(",
)


class Unknown:
    """A value whose type the annotations do not say (``Any``): not checked further."""


def rows(text: str) -> list[tuple[str, str]]:
    """(R cell, pylme cell) of each table row, with ``\\|`` unescaped."""
    out = []
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells[0] != "R" and not cells[0].startswith("---"):
            out.append((cells[0], cells[1]))
    return out


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def hints(obj: Any) -> dict[str, Any]:
    module = importlib.import_module(getattr(obj, "__module__", "builtins"))
    ns = {**vars(module), "pd": pd, "np": np}
    raw = getattr(obj, "__annotations__", {})
    out = {}
    for cls in reversed(getattr(obj, "__mro__", [obj])):
        raw = {**raw, **getattr(cls, "__annotations__", {})}
    for name, ann in raw.items():
        try:
            out[name] = eval(ann, ns) if isinstance(ann, str) else ann  # noqa: S307 - our own annotations
        except Exception:
            out[name] = Unknown
    return out


def as_type(annotation: Any) -> Any:
    """The class an annotation names (``X | None`` -> X), or Unknown."""
    if isinstance(annotation, type) and annotation is not typing.Any:
        return annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return as_type(args[0])
    if origin is not None:
        return annotation
    return Unknown


def attribute(base: Any, name: str) -> Any:
    if base is Unknown:
        return Unknown
    if isinstance(base, types.ModuleType):
        try:
            return getattr(base, name)
        except AttributeError:
            try:
                return importlib.import_module(f"{base.__name__}.{name}")
            except ImportError:
                raise AttributeError(f"{base.__name__} has no {name!r}") from None
    if isinstance(base, type):
        fields = hints(base)
        if name in fields and not callable(getattr(base, name, None)):
            return as_type(fields[name])
        value = inspect.getattr_static(base, name)  # AttributeError: not a real name
        if isinstance(value, property):
            return as_type(hints(value.fget).get("return", Unknown))
        return getattr(base, name)
    raise AssertionError(f"cannot look up {name!r} on {base!r}")


def evaluate(node: ast.AST) -> Any:
    """What an expression of the table stands for; AssertionError/AttributeError if a name,
    method or keyword does not exist."""
    if isinstance(node, ast.Expression):
        return evaluate(node.body)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ROOTS:
            return ROOTS[node.id]
        if node.id in DATA:
            return Unknown
        return getattr(builtins, node.id)
    if isinstance(node, ast.Attribute):
        return attribute(evaluate(node.value), node.attr)
    if isinstance(node, ast.Subscript):
        base = evaluate(node.value)
        if typing.get_origin(base) is dict:
            return as_type(typing.get_args(base)[1])
        if isinstance(base, type):
            assert hasattr(base, "__getitem__"), f"{base.__name__} cannot be indexed"
        return Unknown
    if isinstance(node, ast.Call):
        function = evaluate(node.func)
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            evaluate(arg)
        if function is Unknown:
            return Unknown
        if isinstance(function, type):
            return function
        params = inspect.signature(function).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            for k in node.keywords:
                assert k.arg in params, f"{function.__qualname__}() has no argument {k.arg!r}"
        return as_type(hints(function).get("return", Unknown))
    if isinstance(node, (ast.Dict, ast.List, ast.Tuple)):
        return Unknown
    raise AssertionError(f"unexpected expression {ast.dump(node)}")


def check(span: str) -> None:
    evaluate(ast.parse(span, mode="eval"))


TABLE = rows(PAGE.read_text(encoding="utf-8"))


def test_table_has_a_row_per_r_call():
    r_column = "\n".join(f"`{r}`" if "`" not in r else r for r, _ in TABLE)
    missing = [call for call in R_CALLS if call not in r_column]
    assert missing == [], f"no row for {missing}"


@pytest.mark.parametrize("span", [s for _, py in TABLE for s in code_spans(py)])
def test_pylme_call_names_real_api(span):
    check(span)


@pytest.mark.parametrize(
    "wrong",
    [
        'fit.confint(methd="Wald")',  # a keyword that does not exist
        "fit.predictt(new)",  # a method that does not exist
        "fit.fixef.covariance",  # a field that does not exist
        'fit.ranef["g"].condvar',  # a field of the dict's values
        "pylme.glmer_negbin(d)",  # a function that does not exist
    ],
)
def test_the_check_sees_a_wrong_name(wrong):
    with pytest.raises((AssertionError, AttributeError)):
        check(wrong)
