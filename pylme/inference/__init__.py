"""Inference: confint, anova, lmerTest df and p-values, emmeans, and broom.mixed's tidy frame.

Importing registers ``fit.confint``, ``fit.anova`` (lmerTest), ``fit.emmeans``,
``fit.contrasts`` and ``fit.tidy``; :func:`anova` is ``pylme.anova(*fits)``, the model
comparison.
"""

from pylme.inference import confint, emm, lmertest, tidy
from pylme.inference.compare import anova

__all__ = ["anova", "confint", "emm", "lmertest", "tidy"]
