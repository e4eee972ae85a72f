"""Many fits: ``fit_many`` on loky processes or a Dask cluster, ``lmer_many``, the parallel
bootstrap."""

from pylme.parallel import bootstrap as _bootstrap  # noqa: F401  (registers fit.bootstrap)
from pylme.parallel.fit_many import fit_many
from pylme.parallel.jobs import Job, JobError
from pylme.parallel.lmer_many import lmer_many

__all__ = ["Job", "JobError", "fit_many", "lmer_many"]
