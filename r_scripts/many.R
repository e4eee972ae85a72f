# many: R functions for pylme.parallel (sourced once per session into pylme's environment).
