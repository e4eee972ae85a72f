"""Reproducibility receipts: ``fit.receipt()``, ``pylme.verify`` and ``VerifyReport``."""
