"""Progress bars (tqdm) for anything that can take more than a few seconds.

They appear only when attached to a terminal or a notebook, unless ``progress`` says
otherwise: ``None`` decides by the attachment, ``True`` forces a bar, ``False`` turns it off.
"""

from __future__ import annotations

import sys
from typing import Any


def _attached() -> bool:
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def show_progress(progress: bool | None) -> bool:
    """Whether to draw a bar for this call."""
    return _attached() if progress is None else bool(progress)


def progress_bar(total: int, desc: str, progress: bool | None) -> Any:
    """A tqdm bar (``update(n)``, ``close()``), or a silent stand-in when none is shown."""
    if not show_progress(progress):
        return _Silent()
    if "ipykernel" in sys.modules:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm(total=total, desc=desc, leave=False)


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        pass
