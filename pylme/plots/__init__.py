"""Plots of a fit with matplotlib (the ``pylme[plot]`` extra): caterpillar and residual plots."""
