"""Python frames to planned R columns through Arrow: pure Arrow and numpy, no rpy2.

``frames`` (pandas/polars/pyarrow -> one Arrow table), ``columns`` (one Arrow column ->
a :class:`~pylme.conversion.columns.ColumnPlan`), ``plan`` (a whole frame and its
fingerprint), ``rtypes`` (R's NA and integer constants). The R vectors themselves are built
in :mod:`pylme.runtime.rframe`. Nothing is imported here, so that importing ``rtypes``
does not load pyarrow.
"""
