"""Many fits: ``fit_many`` on loky processes or a Dask cluster, ``lmer_many``, the parallel
bootstrap (of parameters and of predictions), ``cross_validate``, power by simulation
(``power``, ``power_curve``)."""

from pylme.parallel import boot_predict as _boot_predict  # noqa: F401  (predict_bootstrap)
from pylme.parallel import bootstrap as _bootstrap  # noqa: F401  (registers fit.bootstrap)
from pylme.parallel.crossval import cross_validate
from pylme.parallel.cv_result import CrossValidation
from pylme.parallel.fit_many import fit_many
from pylme.parallel.jobs import Job, JobError
from pylme.parallel.lmer_many import lmer_many
from pylme.parallel.power import power, power_curve
from pylme.parallel.power_result import PowerResult

__all__ = [
    "CrossValidation",
    "Job",
    "JobError",
    "PowerResult",
    "cross_validate",
    "fit_many",
    "lmer_many",
    "power",
    "power_curve",
]
