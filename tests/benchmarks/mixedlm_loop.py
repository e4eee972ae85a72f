"""Times mixedlm (PyPI ``mixedlm``, a Python/Rust lme4 port) on responses of one design.

Run by bench_many.py in its own virtual environment (mixedlm is not a pylme dependency):

    python -m venv .venv-bench && .venv-bench/bin/pip install mixedlm==1.3.0 pandas
    .venv-bench/bin/python tests/benchmarks/mixedlm_loop.py design.csv Y.npy FORMULA_RHS N

Prints one JSON line: seconds per fit (after one warm-up fit), the version, and fixef of the
first response.
"""

import json
import sys
import time
import warnings

import mixedlm
import numpy as np
import pandas as pd


def main() -> None:
    design, ys, rhs, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    d = pd.read_csv(design)
    Y = np.load(ys)
    warnings.simplefilter("ignore")
    mixedlm.lmer(f"y {rhs}", d.assign(y=Y[:, 0]))  # warm-up
    t = time.perf_counter()
    for j in range(n):
        fit = mixedlm.lmer(f"y {rhs}", d.assign(y=Y[:, j]))
        if j == 0:
            first = {k: float(v) for k, v in fit.fixef().items()}
    per_fit = (time.perf_counter() - t) / n
    print(json.dumps({"per_fit": per_fit, "version": mixedlm.__version__, "fixef0": first}))


if __name__ == "__main__":
    main()
