"""The fit results: :class:`LmerFit` and :class:`GlmerFit`.

Methods that need R, statsmodels or matplotlib keep their signatures and docstrings here and
call the implementation registered for them (see :mod:`pylme.results.methods`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from pylme.literals import (
    AllFitOptimizer,
    Backend,
    BootType,
    ConfintMethod,
    Ddf,
    Drop1Test,
    IntervalKind,
    IntervalMethod,
    LmerDf,
    PredictType,
)
from pylme.results.fixef import FixedEffects
from pylme.results.meta import Convergence, Provenance
from pylme.results.methods import implementation
from pylme.results.ranef import ConditionalModes, GroupCoefficients, ranef_frame
from pylme.results.summary import format_summary, one_line
from pylme.results.varcorr import VarCorr
from pylme.runtime.handles import ModelHandle, restore_handle, state_of_handle

if TYPE_CHECKING:
    import pandas as pd


def _restore_fit(cls: type[MixedFit], state: dict[str, Any]) -> MixedFit:
    """Unpickle a fit: the R model comes back as serialized bytes; R starts only when used."""
    state = dict(state)
    state["_handle"] = restore_handle(state.get("_handle"))
    return cls(**state)


@dataclass(frozen=True, slots=True, eq=False)
class MixedFit:
    """Fields shared by every lme4 fit. Per-row arrays have shape (n_rows,): one value per
    input row, NaN where the row was dropped for missing values (na.exclude alignment).

    fitted : np.ndarray
        Fitted values on the response scale.
    residuals : np.ndarray
        lme4's ``residuals()``: response residuals for lmer, deviance residuals for glmer.
    scaled_residuals : np.ndarray
        ``residuals(fit, type = "pearson", scaled = TRUE)``, as in ``summary()``.
    formula : str
        The formula as R deparses it (``provenance.formula`` keeps the text as given).
    deviance : float
        R's ``deviance(fit)`` (not the "deviance" column of ``summary()``'s header, which is
        -2 * loglik): for an ML lmer fit -2 * loglik; for a REML fit the ML
        deviance at the REML estimates, ``deviance(fit, REML = FALSE)`` (``reml_criterion``
        holds ``REMLcrit()``); for a glmer fit not -2 * loglik (see GlmerFit).
    df : int
        Number of estimated parameters (``attr(logLik(fit), "df")``).
    """

    formula: str
    fixef: FixedEffects
    varcorr: VarCorr
    ranef: dict[str, ConditionalModes]
    coef: dict[str, GroupCoefficients]
    fitted: np.ndarray
    residuals: np.ndarray
    scaled_residuals: np.ndarray
    loglik: float
    df: int
    aic: float
    bic: float
    deviance: float
    sigma: float
    nobs: int
    ngrps: dict[str, int]
    df_residual: int
    n_dropped: int
    convergence: Convergence
    provenance: Provenance
    #: The R model behind the fit (live, or serialized after unpickling);
    #: None after without_model().
    _handle: ModelHandle | None = field(default=None, repr=False, compare=False)

    # -- display -------------------------------------------------------------------------

    def ranef_frame(self) -> pd.DataFrame:
        """All conditional modes as R's ``as.data.frame(ranef(fit, condVar = TRUE))``."""
        return ranef_frame(self.ranef)

    def summary(self) -> str:
        """Text laid out like lme4's ``print(summary(fit))``."""
        return format_summary(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return one_line(self)

    def _repr_html_(self) -> str:
        """HTML tables for notebooks (fit statistics, random and fixed effects, convergence)."""
        return str(implementation("html")(self))

    # -- the R model -----------------------------------------------------------------------

    def r_model(self) -> Any:
        """The R model (an rpy2 object), restored from its serialized bytes if need be."""
        return ModelHandle.required(self._handle).sexp

    @property
    def has_model(self) -> bool:
        """Whether this fit carries its R model (False after :meth:`without_model`)."""
        return self._handle is not None

    def without_model(self) -> MixedFit:
        """A copy without the R model: a light pickle. Its R-needing methods raise
        :class:`~pylme.errors.ModelMissingError`."""
        return dataclasses.replace(self, _handle=None)

    def __reduce__(self) -> tuple[Any, ...]:
        state = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        state["_handle"] = state_of_handle(self._handle)
        return (_restore_fit, (type(self), state))

    # -- checks ----------------------------------------------------------------------------

    def crosscheck(self, *, refit: bool = True) -> Any:
        """Check this fit against statsmodels (see :mod:`pylme.crosscheck`)."""
        return implementation("crosscheck")(self, refit=refit)

    def allfit(
        self,
        optimizers: Sequence[AllFitOptimizer] | AllFitOptimizer | None = None,
        *,
        maxfun: int = 100_000,
        progress: bool | None = None,
    ) -> Any:
        """Refit the model with each of lme4's optimizers: R's ``allFit(fit, maxfun = maxfun)``.

        Parameters
        ----------
        optimizers : str or sequence of str, optional
            allFit's names (``"bobyqa"``, ``"Nelder_Mead"``, ``"nlminbwrap"``, ``"nmkbw"``,
            ``"optimx.L-BFGS-B"``, ``"nloptwrap.NLOPT_LN_NELDERMEAD"``,
            ``"nloptwrap.NLOPT_LN_BOBYQA"``). None: every one allFit knows and is installed.
        maxfun : int
            The evaluation limit each optimizer gets (allFit's ``maxfun``).
        progress : bool, optional
            A bar that moves once per optimizer (None: only on a terminal or notebook).

        Returns
        -------
        pylme.diagnostics.AllFit
            One :class:`~pylme.diagnostics.OptimizerFit` per optimizer; ``to_frame()`` has
            fixef, theta, sigma, logLik, warnings and time per optimizer, ``spread()`` the
            largest relative difference per parameter across those that converged.

        Raises
        ------
        MissingRPackageError
            A requested optimizer's R package (optimx, dfoptim) is not installed.

        See Also
        --------
        lme4::allFit, summary(allFit(fit))
        """
        return implementation("allfit")(self, optimizers, maxfun=maxfun, progress=progress)

    def check_convergence(
        self,
        *,
        rtol: float = 1e-3,
        deviance_tol: float = 1e-4,
        allfit: Any = None,
        progress: bool | None = None,
    ) -> Any:
        """Is a convergence warning real? lme4's ``?convergence`` procedure as a verdict.

        The steps: lme4's scaled gradient, a restart from the estimates
        (``update(fit, start = pars)``), and every optimizer (:meth:`allfit`).

        Parameters
        ----------
        rtol : float
            Estimates (fixef, theta, sigma) within this relative difference are the same.
        deviance_tol : float
            A -2 log-likelihood lower than the fit's by more than this is a better optimum.
        allfit : pylme.diagnostics.AllFit, optional
            A result of :meth:`allfit` to reuse instead of refitting.
        progress : bool, optional
            A bar over the optimizers (None: only on a terminal or notebook).

        Returns
        -------
        pylme.diagnostics.ConvergenceCheck
            ``verdict`` (``"ok"``, ``"false positive"`` or ``"problem"``), ``reason``, the
            evidence (``rows``, ``to_frame()``), the tolerances, and ``use_optimizer`` when an
            optimizer reaches a lower -2 log-likelihood.

        See Also
        --------
        lme4's help page ``?convergence``; lme4::allFit
        """
        return implementation("check_convergence")(
            self, rtol=rtol, deviance_tol=deviance_tol, allfit=allfit, progress=progress
        )

    # -- after the fit (R's predict, simulate, refit, update, saveRDS) -----------------------

    @overload
    def predict(
        self,
        newdata: Any = None,
        *,
        re_form: str | None = None,
        allow_new_levels: bool = False,
        type: PredictType = "link",
        interval: None = None,
    ) -> np.ndarray: ...

    @overload
    def predict(
        self,
        newdata: Any = None,
        *,
        re_form: str | None = None,
        allow_new_levels: bool = False,
        type: PredictType = "link",
        interval: IntervalKind,
        level: float = 0.95,
        method: IntervalMethod = "delta",
        nsim: int = 1000,
        seed: int | None = None,
        use_u: bool = False,
        backend: Backend = "serial",
        n_jobs: int = -1,
        progress: bool | None = None,
    ) -> pd.DataFrame: ...

    def predict(
        self,
        newdata: Any = None,
        *,
        re_form: str | None = None,
        allow_new_levels: bool = False,
        type: PredictType = "link",
        interval: IntervalKind | None = None,
        level: float = 0.95,
        method: IntervalMethod = "delta",
        nsim: int = 1000,
        seed: int | None = None,
        use_u: bool = False,
        backend: Backend = "serial",
        n_jobs: int = -1,
        progress: bool | None = None,
    ) -> np.ndarray | pd.DataFrame:
        """R's ``predict(fit, newdata, re.form, allow.new.levels, type)``, with intervals.

        ``type="link"`` (R's default) gives a GLMM's linear predictor, ``"response"`` the
        predicted mean (the inverse link applied); for an LMM the two are the same.

        ``re_form=None`` keeps all random effects, ``"~0"`` (or ``"NA"``) none, and a formula
        such as ``"~(1 | plate)"`` those terms. Without ``newdata`` the result is aligned to
        the fitted data's rows (NaN where a row was dropped); with it, one value per row of
        ``newdata`` (NaN where a needed column is missing).

        With ``interval="confidence"`` or ``"prediction"`` (``newdata`` required) the result
        is a pandas DataFrame with columns ``fit``, ``lower`` and ``upper``, one row per row
        of ``newdata`` (its index kept), from ``method``:

        - ``"delta"``: ``fit`` is ``predict()``; on the link scale, with ``x`` the row of
          the fixed-effect model matrix, ``V = vcov(fit)``, ``q = qnorm(1 - (1 - level)/2)``,
          ``se^2 = x' V x`` (confidence) or, for a prediction interval (lmer only),
          ``x' V x + sigma^2 + sum_k z_k' C_k z_k`` over the random-effect terms kept by
          ``re_form`` (none for ``"~0"``/``"NA"``): ``z_k`` the row of term ``k``'s model
          matrix, ``C_k`` the conditional covariance of the row's level
          (``ranef(condVar = TRUE)``'s ``postVar``), or the term's ``VarCorr`` matrix for a
          new level. Covariances between terms and with the fixed effects are not included.
          The interval is ``fit -/+ q * se``; with ``type="response"`` its ends go through
          the inverse link.
        - ``"simulate"``: ``merTools::predictInterval(fit, newdata, which, level, n.sims =
          nsim, stat = "median", type, include.resid.var = interval == "prediction", seed)``
          (``which="fixed"`` for ``re_form="~0"``; other ``re_form`` formulas are refused);
          ``fit`` is the simulations' median. Needs the R package merTools.
        - ``"bootstrap"``: percentile intervals (R's ``quantile``, type 7) of
          ``bootMer(fit, FUN, nsim, seed)$t`` with ``FUN = function(m) predict(m, newdata,
          re.form, allow.new.levels, type)`` (plus ``rnorm(n, 0, sigma(m))`` for a
          prediction interval, lmer only); ``fit`` is ``predict()``. ``use_u`` is bootMer's
          ``use.u``: False (bootMer's default) draws new random effects in every replicate,
          True keeps the fitted ones (intervals conditional on the groups' effects).
          ``backend`` and ``n_jobs`` as in :meth:`bootstrap` (per-replicate seeds on loky
          or Dask).

        See Also
        --------
        lme4::predict.merMod, merTools::predictInterval, lme4::bootMer
        """
        if interval is None:
            return np.asarray(
                implementation("predict")(
                    self, newdata, re_form=re_form, allow_new_levels=allow_new_levels, type=type
                )
            )
        return implementation("predict")(  # type: ignore[no-any-return]
            self,
            newdata,
            re_form=re_form,
            allow_new_levels=allow_new_levels,
            type=type,
            interval=interval,
            level=level,
            method=method,
            nsim=nsim,
            seed=seed,
            use_u=use_u,
            backend=backend,
            n_jobs=n_jobs,
            progress=progress,
        )

    def simulate(
        self, nsim: int = 1, *, seed: int | None = None, re_form: str | None = "~0"
    ) -> Any:
        """R's ``simulate(fit, nsim, seed, re.form)``: columns ``sim_1 … sim_n``, one row per
        row used in the fit."""
        return implementation("simulate")(self, nsim, seed=seed, re_form=re_form)

    def refit(self, newresp: Any) -> MixedFit:
        """R's ``refit(fit, newresp)``: the same model fitted to a new response."""
        return implementation("refit")(self, newresp)  # type: ignore[no-any-return]

    def update(self, formula: str | None = None, **options: Any) -> MixedFit:
        """R's ``update(fit, formula, ...)`` on the data already in R (``.`` allowed)."""
        return implementation("update")(self, formula, **options)  # type: ignore[no-any-return]

    def to_rds(self, path: str | Any) -> None:
        """Write the ``merMod`` with R's ``saveRDS()``; plain R's ``readRDS()`` reads it back."""
        implementation("to_rds")(self, path)

    # -- inference (lme4's confint, lmerTest, emmeans, broom.mixed) --------------------------

    def confint(
        self,
        method: ConfintMethod = "profile",
        *,
        level: float = 0.95,
        parm: Sequence[str] | None = None,
        nsim: int = 500,
        seed: int | None = None,
        boot_type: BootType = "perc",
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """R's ``confint(fit, method, level, parm, nsim, boot.type, oldNames = FALSE)``."""
        return implementation("confint")(  # type: ignore[no-any-return]
            self,
            method,
            level=level,
            parm=parm,
            nsim=nsim,
            seed=seed,
            boot_type=boot_type,
            progress=progress,
        )

    def anova(self, type: int = 3, ddf: Ddf = "Satterthwaite") -> pd.DataFrame:
        """lmerTest's ``anova(fit, type, ddf)``: one row per term. To compare fits (R's
        ``anova(fit, other)``) call ``pylme.anova(fit, other)``."""
        return implementation("anova")(self, type=type, ddf=ddf)  # type: ignore[no-any-return]

    def emmeans(
        self,
        specs: str | Sequence[str],
        *,
        by: str | Sequence[str] | None = None,
        at: Mapping[str, Any] | None = None,
        type: str | None = None,
        level: float = 0.95,
        lmer_df: LmerDf | None = None,
    ) -> Any:
        """``as.data.frame(emmeans(fit, specs, by, at, type, level, lmer.df))``; ``specs`` may
        be emmeans' formula spec (``"~ a | b"``; ``"pairwise ~ a"`` gives a dict of frames)."""
        return implementation("emmeans")(
            self, specs, by=by, at=at, type=type, level=level, lmer_df=lmer_df
        )

    def contrasts(
        self,
        specs: str | Sequence[str],
        *,
        method: str = "eff",
        by: str | Sequence[str] | None = None,
        adjust: str | None = None,
        lmer_df: LmerDf | None = None,
    ) -> pd.DataFrame:
        """``as.data.frame(contrast(emmeans(fit, specs, by, lmer.df), method, adjust))``."""
        return implementation("contrasts")(  # type: ignore[no-any-return]
            self, specs, method=method, by=by, adjust=adjust, lmer_df=lmer_df
        )

    def tidy(
        self,
        conf_int: bool = False,
        *,
        level: float = 0.95,
        effects: Sequence[str] = ("ran_pars", "fixed"),
    ) -> pd.DataFrame:
        """All parameters in one frame, as ``broom.mixed::tidy(fit, effects, conf.int,
        conf.level)``."""
        return implementation("tidy")(  # type: ignore[no-any-return]
            self, conf_int, level=level, effects=effects
        )

    # -- receipts --------------------------------------------------------------------------

    def receipt(self) -> Any:
        """A :class:`pylme.Receipt`: the call, the data's fingerprint, versions and every number."""
        return implementation("receipt")(self)

    def save_receipt(self, path: str | Any) -> None:
        """Write :meth:`receipt` as JSON to ``path``."""
        self.receipt().save(path)

    # -- plots (matplotlib, the ``pylme[plot]`` extra) ---------------------------------------

    def plot_ranef(
        self, group: str | None = None, *, terms: Sequence[str] | None = None, ax: Any = None
    ) -> Any:
        """Caterpillar plot of the conditional modes ± 1.96 conditional SD; a matplotlib Figure.
        Without ``group``, every grouping factor (one row of panels each, as lme4's
        ``dotplot(ranef(fit, condVar = TRUE))``); with it, that factor's."""
        return implementation("plot_ranef")(self, group, terms=terms, ax=ax)

    def plot_residuals(self, *, axes: Any = None) -> Any:
        """Fitted against residuals, and a normal QQ plot of the scaled residuals; a Figure."""
        return implementation("plot_residuals")(self, axes=axes)

    # -- model checking and building (lme4's influence, performance, drop1, lmerTest) ----------

    def influence(
        self, groups: str | None = None, *, maxfun: int = 1000, progress: bool | None = None
    ) -> Any:
        """lme4's ``influence(fit, groups, maxfun = maxfun)``: one refit per deleted
        observation (or level of ``groups``). Returns an ``Influence`` (``hat``,
        ``cooks_distance``, ``dfbetas``, ``fixed_effects_deleted``, ``sigma_deleted``,
        ``to_frame()`` keyed like R's rownames or levels).

        See Also
        --------
        lme4::influence.merMod, cooks.distance, dfbetas
        """
        return implementation("influence")(self, groups, maxfun=maxfun, progress=progress)

    def hatvalues(self) -> np.ndarray:
        """lme4's ``hatvalues(fit)``, shape (n_rows,): NaN where a row was dropped."""
        return np.asarray(implementation("hatvalues")(self))

    def plot_influence(
        self,
        groups: str | None = None,
        *,
        top: int = 5,
        ax: Any = None,
        maxfun: int = 1000,
        progress: bool | None = None,
    ) -> Any:
        """Cook's distance (from :meth:`influence`) per observation or level of ``groups``, the
        ``top`` largest labelled; a matplotlib Figure."""
        return implementation("plot_influence")(
            self, groups, top=top, ax=ax, maxfun=maxfun, progress=progress
        )

    def performance(self) -> Any:
        """Nakagawa's R², the ICC, AIC, AICc, BIC, RMSE and sigma, as the R package performance
        gives them (``r2_nakagawa``, ``icc``, ``model_performance``); a ``Performance``."""
        return implementation("performance")(self)

    def check(self, *, convergence: bool = True) -> Any:
        """One report: singularity, overdispersion and zero-inflation (where they apply),
        collinearity (performance's ``check_*``) and, when ``convergence`` and
        ``fit.check_convergence()`` is available, its verdict. Each line has a status
        (ok / note / problem / not checked); a ``CheckReport``."""
        return implementation("check")(self, convergence=convergence)

    def drop1(self, test: Drop1Test = "none") -> pd.DataFrame:
        """R's ``drop1(fit, test)``: one row per term (and ``<none>``), R's columns (``LRT``)."""
        return implementation("drop1")(self, test=test)  # type: ignore[no-any-return]

    def ranova(self, *, reduce_terms: bool = True) -> pd.DataFrame:
        """lmerTest's ``ranova(fit, reduce.terms)``: a likelihood-ratio test per random-effect
        term, R's columns (``LRT``, ``Pr(>Chisq)``); lmer fits only."""
        return implementation("ranova")(self, reduce_terms=reduce_terms)  # type: ignore[no-any-return]

    def step(
        self,
        *,
        reduce_fixed: bool = True,
        reduce_random: bool = True,
        alpha_fixed: float = 0.05,
        alpha_random: float = 0.1,
    ) -> Any:
        """lmerTest's ``step(fit, reduce.fixed, reduce.random, alpha.fixed, alpha.random)``: its
        elimination tables and the final model as a fit; a ``StepResult``. lmer fits only."""
        return implementation("step")(
            self,
            reduce_fixed=reduce_fixed,
            reduce_random=reduce_random,
            alpha_fixed=alpha_fixed,
            alpha_random=alpha_random,
        )

    # -- many fits ---------------------------------------------------------------------------

    def bootstrap(
        self,
        nsim: int,
        *,
        seed: int,
        statistic: str = "default",
        backend: str = "serial",
        n_jobs: int = -1,
        progress: bool | None = None,
    ) -> pd.DataFrame:
        """Parametric bootstrap, one row per replicate (R's ``bootMer`` with
        ``backend="serial"``). What the refits reported (singular, not converged, failed) is
        in ``df.attrs["refits"]`` (:class:`~pylme.results.RefitReport`) and comes as one
        warning with R's ``print.bootWarnings`` lines."""
        return implementation("bootstrap")(  # type: ignore[no-any-return]
            self,
            nsim,
            seed=seed,
            statistic=statistic,
            backend=backend,
            n_jobs=n_jobs,
            progress=progress,
        )


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class LmerFit(MixedFit):
    """Result of :func:`pylme.lmer`.

    reml : bool
        Fitted by REML (True) or maximum likelihood.
    reml_criterion : float or None
        lme4's ``REMLcrit()`` for REML fits; None for ML fits.
    """

    reml: bool = True
    reml_criterion: float | None = None


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class GlmerFit(MixedFit):
    """Result of :func:`pylme.glmer` and :func:`pylme.glmer_nb`.

    deviance : float
        lme4's ``deviance()`` for a GLMM: the sum of squared deviance residuals at the
        conditional modes, which is **not** -2 * loglik.
    linear_predictor : np.ndarray
        Fitted values on the link scale, shape (n_rows,); ``fitted`` is the response scale.
    theta : float or None
        The estimated negative-binomial theta (glmer_nb only).
    """

    family: str = "binomial"
    link: str = "logit"
    nAGQ: int = 1
    linear_predictor: np.ndarray | None = None
    theta: float | None = None
