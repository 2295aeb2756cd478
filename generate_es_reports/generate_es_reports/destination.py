"""Where files land: a local folder or any fsspec URL (gs://bucket/reports, memory://, ...).

Each file is complete before anyone can see it under its name:
- on a local folder (and any file system that is not an object store) it is uploaded to a
  temporary name beside its target and then moved (a rename: atomic on one file system);
- on object stores (gs, s3, az, memory) an object only appears once its upload completes, so
  it is uploaded straight to its name (a move there would be a second copy).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import fsspec
from fsspec.implementations.local import LocalFileSystem

from .formats import ReportError

# Object stores: an object becomes visible only when its upload is complete.
UPLOAD_COMPLETE = {"gs", "gcs", "s3", "s3a", "az", "abfs", "abfss", "adl", "memory"}


class Destination:
    def __init__(self, url: str | Path):
        self.url = str(url)
        try:
            self.fs, self.root = fsspec.core.url_to_fs(self.url)
        except ImportError as e:  # gs:// wants gcsfs, s3:// s3fs: not dependencies of ours
            raise ReportError(
                f"destination {self.url}: {e} (install it in the environment that runs "
                "generate-es-reports)"
            ) from None
        except ValueError as e:  # an unknown protocol
            raise ReportError(f"destination {self.url}: {e}") from None
        protocols = self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,)
        self.rename = isinstance(self.fs, LocalFileSystem) or not (set(protocols) & UPLOAD_COMPLETE)

    def path(self, relative: str) -> str:
        return f"{self.root.rstrip('/')}/{relative}"

    def url_of(self, relative: str) -> str:
        """The file's full address, for people: a local path, else the URL."""
        path = self.path(relative)
        return path if self.is_local else self.fs.unstrip_protocol(path)

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    def put(self, local: Path, relative: str) -> str:
        """Copy the local file to `relative` under the destination, atomically; its path."""
        target = self.path(relative)
        self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        if not self.rename:
            self.fs.put_file(str(local), target)
            return target
        temporary = f"{target}.tmp-{uuid.uuid4().hex[:8]}"
        try:
            self.fs.put_file(str(local), temporary)
            self.fs.mv(temporary, target)
        except BaseException:
            if self.fs.exists(temporary):
                self.fs.rm(temporary)
            raise
        return target
