# postfit: R functions for pylme.postfit (sourced once per session into pylme's environment).
