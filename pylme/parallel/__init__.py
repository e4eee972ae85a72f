"""Many fits: ``fit_many`` on loky processes or a Dask cluster, ``lmer_many``, the parallel
bootstrap, power by simulation (``power``, ``power_curve``)."""

from pylme.parallel import bootstrap as _bootstrap  # noqa: F401  (registers fit.bootstrap)
from pylme.parallel.fit_many import fit_many
from pylme.parallel.jobs import Job, JobError
from pylme.parallel.lmer_many import lmer_many
from pylme.parallel.power import power, power_curve
from pylme.parallel.power_result import PowerResult

__all__ = ["Job", "JobError", "PowerResult", "fit_many", "lmer_many", "power", "power_curve"]
