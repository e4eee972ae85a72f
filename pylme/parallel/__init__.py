"""Many fits: ``fit_many`` on loky processes or a Dask cluster, ``lmer_many``, the parallel
bootstrap."""
