"""Reproducibility receipts: ``fit.receipt()``, ``pylme.verify`` and ``VerifyReport``.

A receipt records a fit's call, a canonical fingerprint of its data
(:mod:`pylme.receipts.canonical`), the versions that made it and every number; ``verify``
refits from the receipt and compares. ``Rscript r_scripts/verify.R receipt.json data.csv``
does the same in pure R.
"""

from pylme.receipts.make import make_receipt
from pylme.receipts.receipt import Receipt
from pylme.receipts.report import VerifyReport, VerifyRow
from pylme.receipts.verify import verify

__all__ = ["Receipt", "VerifyReport", "VerifyRow", "make_receipt", "verify"]
