"""Inference: confint, anova, lmerTest df and p-values, emmeans, and broom.mixed's tidy frame."""
