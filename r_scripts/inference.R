# inference: R functions for pylme.inference (sourced once per session into pylme's environment).
