"""Every use of rpy2's internals, in one module.

pylme reads and writes R's memory through rpy2's C interface (cffi handles in
``rpy2.rinterface_lib``) where rpy2's public objects are slow or unsafe (see
:mod:`pylme.runtime.from_r`). Those names are not rpy2's public API and have changed between
releases, so no other pylme module touches them: ``tests/test_rpy2_compat.py`` checks that.

Each function below says which rpy2 releases it was checked against:

- rpy2 3.5.17 (Debian 12: R 4.2.2, Python 3.11), one package ``rpy2``;
- rpy2 3.6.9 (Debian 13: R 4.5.0, Python 3.13), a namespace package made of
  ``rpy2-rinterface`` 3.6.x and ``rpy2-robjects`` 3.6.x, with no ``rpy2.__version__``.

Nothing here runs at import: each function imports rpy2 when called.
"""

from __future__ import annotations

import functools
import importlib.metadata
from collections.abc import Callable
from typing import Any

#: R's cetype_t codes (Rinternals.h): CE_NATIVE, CE_UTF8, CE_LATIN1, CE_BYTES, CE_SYMBOL, CE_ANY.
_CE_NATIVE, _CE_UTF8, _CE_LATIN1, _CE_BYTES, _CE_SYMBOL, _CE_ANY = 0, 1, 2, 3, 5, 99


@functools.cache
def rpy2_version() -> str | None:
    """The installed rpy2's version, from the package metadata (``None`` when absent); read
    once per process (every fit's provenance names it, and a metadata read costs about 1 ms).

    rpy2 3.6 has no ``rpy2.__version__`` (it is a namespace package); its ``rpy2`` metadata
    is a meta-package of the same version as ``rpy2-rinterface``. Checked: 3.5.17, 3.6.9.
    """
    for dist in ("rpy2", "rpy2-rinterface"):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def start_r(ri: Any) -> None:
    """Start the embedded R (``ri`` is ``rpy2.rinterface``).

    rpy2 3.5: ``initr_simple()`` (no environment checks). rpy2 3.6 removed it; its
    ``initr()`` also sets R's environment variables, which the caller's
    :func:`pylme.runtime.process.environment_kept` puts back. Checked: 3.5.17, 3.6.9.
    """
    simple = getattr(ri, "initr_simple", None)
    if simple is not None:
        simple()
    else:
        ri.initr()


def rlib() -> Any:
    """R's C library as cffi sees it (``openrlib.rlib``). Checked: 3.5.17, 3.6.9."""
    from rpy2.rinterface_lib import openrlib

    return openrlib.rlib


def ffi() -> Any:
    """rpy2's cffi ``FFI`` object (``openrlib.ffi``). Checked: 3.5.17, 3.6.9."""
    from rpy2.rinterface_lib import openrlib

    return openrlib.ffi


def r_lock() -> Any:
    """rpy2's lock around R's C API (``openrlib.lock``). Checked: 3.5.17, 3.6.9."""
    from rpy2.rinterface_lib import openrlib

    return openrlib.lock


def cdata(obj: Any) -> Any:
    """The C pointer (``SEXP``) of an rpy2 object. Checked: 3.5.17, 3.6.9."""
    return obj.__sexp__._cdata


def wrap(pointer: Any) -> Any:
    """An rpy2 object for a ``SEXP`` (rpy2 preserves it from then on). Checked: 3.5.17, 3.6.9."""
    from rpy2.rinterface_lib import conversion

    return conversion._cdata_to_rinterface(pointer)


def is_ready() -> bool:
    """Whether embedded R has started and can take C calls. Checked: 3.5.17, 3.6.9."""
    from rpy2.rinterface_lib import embedded

    return bool(embedded.isready())


def char_encodings() -> dict[int, str]:
    """Python codecs for R's string encodings (``cetype_t``), for reading ``R_CHAR`` bytes.

    rpy2 3.5 kept this table in ``conversion._R_ENC_PY``; rpy2 3.6 removed it (it decodes
    through ``Rf_translateCharUTF8``, which 3.5's cffi definitions lack). pylme builds the same
    table as rpy2 3.5 did, from R's ``l10n_info()``: native strings are UTF-8 in a UTF-8
    locale, else Latin-1. Bytes-encoded strings are read as Latin-1 (no byte is lost).
    R must have started. Checked: 3.5.17, 3.6.9.
    """
    import rpy2.rinterface as ri

    info = ri.baseenv["l10n_info"]()
    names = list(info.names)
    utf8 = bool(info[names.index("UTF-8")][0])
    native = "utf-8" if utf8 else "latin1"
    return {
        _CE_NATIVE: native,
        _CE_UTF8: "utf-8",
        _CE_LATIN1: "latin1",
        _CE_BYTES: "latin1",
        _CE_SYMBOL: native,
        _CE_ANY: "utf-8",
    }


def raw_bytes(vec: Any) -> bytes:
    """An R raw vector's bytes in one copy (``bytes(vec)`` iterates item by item: 2.9 s for
    a 1.3 MB model against 1 ms here). The caller holds pylme's R lock. Checked: 3.5.17, 3.6.9.
    """
    n = len(vec)
    if not n:
        return b""
    return bytes(ffi().buffer(rlib().RAW(cdata(vec)), n))


def console_writers() -> tuple[Callable[[str], None], Callable[[str], None]]:
    """rpy2's console callbacks for R's output and for its warnings/errors.

    ``rpy2.rinterface_lib.callbacks`` is rpy2's documented way to redirect R's console; it
    lives beside the private modules, so pylme reaches it here. Checked: 3.5.17, 3.6.9.
    """
    from rpy2.rinterface_lib import callbacks

    return callbacks.consolewrite_print, callbacks.consolewrite_warnerror


def set_console_writers(
    write_print: Callable[[str], None], write_warnerror: Callable[[str], None]
) -> None:
    """Set rpy2's console callbacks (see :func:`console_writers`). Checked: 3.5.17, 3.6.9."""
    from rpy2.rinterface_lib import callbacks

    # rpy2 3.6 ships type information that types these as its own functions: assign untyped.
    module: Any = callbacks
    module.consolewrite_print = write_print
    module.consolewrite_warnerror = write_warnerror


def set_interrupt_pending(pending: bool) -> None:
    """Set R's ``R_interrupts_pending`` flag: R unwinds at its next check, as on Ctrl-C in R.
    Checked: 3.5.17, 3.6.9 (both declare it in ``R_API.h``)."""
    rlib().R_interrupts_pending = 1 if pending else 0
