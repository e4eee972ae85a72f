"""A missing R package gives MissingRPackageError naming the package and its install command;
methods that need an R model refuse a fit without one."""

from __future__ import annotations

import pytest
from rref_inference import fit, frames

import pylme
from pylme.models import ddf as ddf_module


def test_installed_check_sees_a_missing_package():
    """The same R check, asked about a package that does not exist."""
    found = ddf_module.installed_r_packages(["lmerTest", "pylmeNoSuchPackage"])
    assert found == {"lmerTest": True, "pylmeNoSuchPackage": False}
    with pytest.raises(pylme.MissingRPackageError, match="pylmeNoSuchPackage"):
        ddf_module.require_r_packages(["pylmeNoSuchPackage"], "a test")


@pytest.mark.parametrize(
    ("missing", "debian", "call"),
    [
        ("lmerTest", "r-cran-lmertest", lambda: fit("slope").anova()),
        ("pbkrtest", "r-cran-pbkrtest", lambda: fit("cake").emmeans("recipe")),
        ("emmeans", "r-cran-emmeans", lambda: fit("cake").contrasts("recipe")),
        ("broom.mixed", "r-cran-broom.mixed", lambda: fit("slope").tidy()),
        (
            "pbkrtest",
            "r-cran-pbkrtest",
            lambda: pylme.lmer(
                "Reaction ~ Days + (1 | Subject)",
                frames()["sleepstudy"],
                ddf="Kenward-Roger",
            ),
        ),
    ],
)
def test_missing_package_error(monkeypatch, missing, debian, call):
    real = ddf_module.installed_r_packages

    def faked(packages):
        return {p: ok and p != missing for p, ok in real(packages).items()}

    monkeypatch.setattr(ddf_module, "installed_r_packages", faked)
    with pytest.raises(pylme.MissingRPackageError) as info:
        call()
    assert info.value.package == missing
    assert debian in info.value.install_command
    assert debian in str(info.value)


def test_without_model_raises():
    light = fit("slope").without_model()
    for call in (light.confint, light.tidy, lambda: light.emmeans("Days"), light.anova):
        with pytest.raises(pylme.ModelMissingError):
            call()


def test_glmer_emmeans_does_not_need_pbkrtest(monkeypatch):
    """emmeans uses Kenward-Roger df only for lmer fits; a glmer needs emmeans alone."""
    real = ddf_module.installed_r_packages

    def faked(packages):
        return {p: ok and p != "pbkrtest" for p, ok in real(packages).items()}

    monkeypatch.setattr(ddf_module, "installed_r_packages", faked)
    assert len(fit("cbpp").emmeans("period", type="response")) == 4
