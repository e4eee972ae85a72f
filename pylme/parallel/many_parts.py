"""lmer_many's Parquet output: a directory of parts, one per block of responses.

Each part is written whole (to a temporary name, then renamed), with the design's fingerprint
in its metadata. A run that was stopped is resumed by running it again: the responses of the
parts already there are skipped. ``pandas.read_parquet(out)`` reads all parts as one table.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from pylme.errors import DataError
from pylme.parallel.many_numbers import Spec
from pylme.results.many import LmerMany

FINGERPRINT_KEY = b"pylme.lmer_many.fingerprint"


class PartStore:
    """The Parquet parts of one run under ``out`` (a directory)."""

    def __init__(self, out: str | os.PathLike[str], spec: Spec) -> None:
        self.dir = Path(out)
        if self.dir.exists() and not self.dir.is_dir():
            raise DataError(
                f"out={str(out)!r} is a file; lmer_many writes a directory of Parquet parts "
                "there: give a new path"
            )
        self.dir.mkdir(parents=True, exist_ok=True)
        self.spec = spec
        self.stamp = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.count = 0

    def done(self) -> set[str]:
        """The responses already written by runs of this design; another design's parts
        raise DataError."""
        import pyarrow.parquet as pq

        names: set[str] = set()
        for path in sorted(self.dir.glob("part-*.parquet")):
            meta = pq.read_schema(path).metadata or {}
            if meta.get(FINGERPRINT_KEY, b"").decode() != self.spec.fingerprint:
                raise DataError(
                    f"{self.dir} holds results of another design or other options ({path.name}); "
                    "write to a new path, or remove that directory to start again"
                )
            names.update(pq.read_table(path, columns=["response"]).column(0).to_pylist())
        return names

    def new_path(self) -> str:
        self.count += 1
        return str(self.dir / f"part-{self.stamp}-{self.count:06d}.parquet")


def write_part(path: str, part: LmerMany, fingerprint: str) -> None:
    """One part, written whole: a stopped run leaves no partial part behind."""
    import pyarrow.parquet as pq

    table = part.to_arrow()
    table = table.replace_schema_metadata({FINGERPRINT_KEY: fingerprint.encode()})
    tmp = f"{path}.{os.getpid()}.tmp"
    pq.write_table(table, tmp)
    os.replace(tmp, path)
