"""After the fit: predict, simulate, refit, update, and the ``.rds`` round trip.

Importing the modules registers ``fit.predict()``, ``fit.simulate()``, ``fit.refit()``,
``fit.update()`` and ``fit.to_rds()``; :func:`read_rds` reads a model saved by R.
"""

from pylme.postfit import predict as _predict  # noqa: F401
from pylme.postfit import refit as _refit  # noqa: F401
from pylme.postfit import simulate as _simulate  # noqa: F401
from pylme.postfit.rds import read_rds

__all__ = ["read_rds"]
