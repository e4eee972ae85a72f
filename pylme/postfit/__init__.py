"""After the fit: predict, simulate, refit, update, and the ``.rds`` round trip."""
