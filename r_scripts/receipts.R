# receipts: R functions for pylme.receipts (sourced once per session into pylme's environment).
