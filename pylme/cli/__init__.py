"""The ``pylme`` command (click): fit, verify, doctor, datasets, demo."""
