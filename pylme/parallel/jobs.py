"""One fit described as a value (:class:`Job`), and a failed job (:class:`JobError`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pylme.errors import PylmeError
from pylme.literals import JobKind, check_literal


@dataclass(frozen=True, init=False, eq=False)
class Job:
    """A frozen description of one fit: ``Job("lmer", "y ~ x + (1 | g)", df, REML=False)``.

    kind : {"lmer", "glmer", "glmer_nb"}
        The pylme function that fits it.
    formula : str
        The lme4 formula.
    data : pandas.DataFrame, polars.DataFrame or pyarrow.Table
        Jobs that hold the same frame object share it: it travels once per worker.
    options : dict
        Keyword arguments of that function (``REML``, ``family``, ``control``, ...).
    """

    kind: JobKind
    formula: str
    data: Any = field(repr=False)
    options: dict[str, Any]

    def __init__(self, kind: JobKind, formula: str, data: Any, **options: Any) -> None:
        object.__setattr__(self, "kind", check_literal(kind, JobKind, "kind"))
        object.__setattr__(self, "formula", formula)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "options", dict(options))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_make_job, (self.kind, self.formula, self.data, self.options))

    def without_data(self) -> Job:
        """The same job holding no frame (what a :class:`JobError` keeps after a worker)."""
        return Job(self.kind, self.formula, None, **self.options)


def _make_job(kind: JobKind, formula: str, data: Any, options: dict[str, Any]) -> Job:
    return Job(kind, formula, data, **options)


class JobError(PylmeError):
    """A job that failed, in its slot of :func:`pylme.fit_many`'s results.

    job : Job
        The job (its frame left out when it came back from a worker).
    error_type : str
        The error's class name: ``"FormulaError"``, ``"RError"``, ..., or ``"WorkerDied"``
        when the process running it ended (an R crash, the OOM killer).
    r_message : str
        The error message, R's own words where R raised it.
    """

    def __init__(self, job: Job | None, error_type: str, r_message: str) -> None:
        what = "?" if job is None else f"{job.kind}({job.formula!r})"
        super().__init__(f"job {what} failed with {error_type}: {r_message}")
        self.job = job
        self.error_type = error_type
        self.r_message = r_message

    def __reduce__(self) -> tuple[Any, ...]:
        return (JobError, (self.job, self.error_type, self.r_message))
