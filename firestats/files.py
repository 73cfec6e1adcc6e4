"""The one way firestats writes: into an output folder resolved once, never through a link, atomically.

Every file firestats writes (prepared tables, reports, exports, kept notebooks, the manifest and
the index) goes through :class:`OutputFolder`, so a folder or file planted as a symbolic link, a
read-only disk, a full disk or a file in the way is refused in one line naming the path, and
readers see the old file or the new one, never half of it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from firestats.errors import OutputError
from firestats.privacy import printable

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

LOCK = ".firestats.lock"
# A file Excel or WPS holds open cannot be replaced on Windows until it is closed: retried this long.
REPLACE_RETRIES, REPLACE_PAUSE_S = 10, 0.3
TEMP_SUFFIX = ".tmp"
FILE_IN_THE_WAY = "a file is in the way, not a folder"
# What an OSError's errno means for the user, said in the one line that names the path.
_CAUSES = {
    errno.ENOSPC: "no space left on the disk", errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the disk is read-only", errno.EACCES: "permission denied", errno.EPERM: "permission denied",
    errno.EEXIST: FILE_IN_THE_WAY, errno.ENOTDIR: FILE_IN_THE_WAY, errno.EISDIR: "a folder is in the way",
    errno.ENAMETOOLONG: "the name is too long", errno.ELOOP: "a symbolic link is in the way",
}


def refusal(path: Path | str, exc: OSError) -> OutputError:
    """An OSError met while writing ``path`` as the one-line OutputError naming it."""
    cause = _CAUSES.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return OutputError(f"{path}: cannot write ({cause})")


class OutputFolder:
    """An output folder, created and resolved once; files are written inside it and nowhere else.

    A path inside it that is a symbolic link, or that leads outside it, is refused: firestats
    never writes through a link, so ``OUT/2024`` linked to another folder writes nothing there.
    The folder itself may be a link (the user named it); what lies inside it may not.
    """

    def __init__(self, folder: Path | str) -> None:
        self.given = Path(folder)
        try:
            self.given.mkdir(parents=True, exist_ok=True)  # FileExistsError when a file holds the name
        except OSError as exc:
            raise refusal(self.given, exc) from exc
        self.root = self.given.resolve()
        self._probe()

    def _probe(self) -> None:
        """Refuse now, before any work, a folder that cannot be written (read-only, full, not ours)."""
        try:
            fd, probe = tempfile.mkstemp(dir=self.root, prefix=".firestats-probe.", suffix=TEMP_SUFFIX)
            os.close(fd)
            Path(probe).unlink(missing_ok=True)
        except OSError as exc:
            raise refusal(self.given, exc) from exc

    def relative(self, path: Path | str) -> Path:
        """``path`` (under the folder as given or as resolved, or relative to it) relative to the folder."""
        path = Path(path)
        for base in (self.given, self.root):
            if path.is_relative_to(base):
                path = path.relative_to(base)
                break
        if path.is_absolute() or not path.parts or any(part in ("..", ".") for part in path.parts):
            raise OutputError(f"{path}: outside the output folder {self.given}; firestats writes only inside it")
        return path

    def _folder_of(self, relative: Path) -> Path:
        """The real folder ``relative``'s file goes into, made as needed; every step checked to be no link."""
        current = self.root
        for part in relative.parts[:-1]:
            current = current / part
            try:
                try:
                    os.mkdir(current)
                except FileExistsError:  # made before, maybe this very moment by another batch: checked below
                    pass
                mode = os.lstat(current).st_mode
            except OSError as exc:
                raise refusal(self.given / relative, exc) from exc
            shown = self.given / current.relative_to(self.root)
            if stat.S_ISLNK(mode):
                raise OutputError(f"{shown}: a symbolic link inside the output folder; firestats writes only inside "
                                  f"{self.given}, never through a link")
            if not stat.S_ISDIR(mode):
                raise OutputError(f"{shown}: cannot write ({FILE_IN_THE_WAY})")
        return current

    def check(self, path: Path | str) -> Path:
        """The real path of a file to write at ``path``: its folders made and checked, the file itself no link
        and no folder; raises OutputError naming the path otherwise."""
        return self._checked(self.relative(path))

    def _checked(self, relative: Path) -> Path:
        target = self._folder_of(relative) / relative.name
        try:
            mode = os.lstat(target).st_mode
        except FileNotFoundError:
            return target
        if stat.S_ISLNK(mode):
            raise OutputError(f"{self.given / relative}: a symbolic link inside the output folder; firestats never "
                              "writes through a link (remove it)")
        if stat.S_ISDIR(mode):
            raise OutputError(f"{self.given / relative}: cannot write (a folder is in the way)")
        return target

    def write(self, path: Path | str, data: bytes) -> Path:
        """Write ``data`` at ``path`` inside the folder, by a temporary file renamed over it; returns the path."""
        with self.writing(path) as sink:
            sink.write(data)
        return self.root / self.relative(path)

    @contextmanager
    def writing(self, path: Path | str) -> Iterator[Sink]:
        """A file to write ``path`` inside the folder through a piece at a time (a file too large to hold): a
        temporary file renamed over it when the block ends, unless the block set ``keep`` False or raised."""
        relative = self.relative(path)
        target = self._checked(relative)
        try:
            # mkstemp creates with O_EXCL, so it never opens a planted link; rename replaces a name, never a target.
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
        except OSError as exc:
            raise refusal(self.given / relative, exc) from exc
        try:
            sink = Sink(fd)
            yield sink
            if hasattr(os, "fchmod"):  # mkstemp makes files private; outputs are for sharing (POSIX modes)
                os.fchmod(fd, 0o666 & ~_umask())
            os.close(fd)
            fd = -1
            if sink.keep:
                _replace(tmp, target)
        except OSError as exc:
            raise refusal(self.given / relative, exc) from exc
        finally:
            if fd >= 0:
                os.close(fd)
            Path(tmp).unlink(missing_ok=True)

    def remove(self, path: Path | str) -> None:
        """Remove the file at ``path`` inside the folder, if there is one (a link there is refused, not followed)."""
        relative = self.relative(path)
        try:
            self._checked(relative).unlink(missing_ok=True)
        except OSError as exc:
            raise refusal(self.given / relative, exc) from exc

    def remove_stale(self) -> None:
        """Remove the temporary files a process killed mid-write left (never a finished file); links are not
        followed. Only while no other firestats writes here (under :meth:`lock`)."""
        for stale in self.root.rglob(f".*{TEMP_SUFFIX}"):
            stale.unlink(missing_ok=True)

    @contextmanager
    def lock(self, waiting: Callable[[str], None], writer: str = "batch") -> Iterator[None]:
        """Hold the folder for one ``writer`` (a batch, a prepare) at a time; a second one calls ``waiting`` with a
        message, then waits."""
        path = self.check(LOCK)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
        except OSError as exc:
            raise refusal(self.given / LOCK, exc) from exc
        try:
            if not _lock(fd, wait=False):
                waiting(f"another {writer} is writing to {self.given}; waiting for it to finish ({self.given / LOCK})")
                _lock(fd, wait=True)
            yield
        finally:
            os.close(fd)  # closing releases the lock, also when the process is killed


class Sink:
    """A file being written, as pyarrow's writers use one (write, tell, flush), keeping the SHA-256 of what was
    written: with a descriptor the bytes go there too, without they are only hashed (a digest, never held)."""

    closed = False

    def __init__(self, fd: int | None = None) -> None:
        self.fd = fd
        self.size = 0
        self.sha256 = hashlib.sha256()
        self.keep = True  # False: the file written through ``OutputFolder.writing`` is not put in place

    def write(self, data: bytes) -> int:
        """Write (and hash) the next bytes."""
        view = memoryview(data).cast("B")
        written = len(view)
        self.sha256.update(view)
        self.size += written
        while self.fd is not None and view:
            view = view[os.write(self.fd, view):]
        return written

    def tell(self) -> int:
        """How many bytes were written."""
        return self.size

    def flush(self) -> None:
        """Nothing is buffered."""


def notice(message: str) -> None:
    """Tell whoever runs firestats something on one line of stderr (a folder's lock waited for)."""
    print(f"firestats: {printable(message)}", file=sys.stderr)


def _replace(tmp: str, target: Path) -> None:
    """Rename ``tmp`` over ``target``, retrying a few seconds while another program holds the target open
    (Windows refuses the rename then: Excel or WPS showing last year's workbook)."""
    for attempt in range(REPLACE_RETRIES):
        try:
            os.replace(tmp, target)
            return
        except PermissionError as exc:
            if sys.platform != "win32":
                raise
            if attempt == REPLACE_RETRIES - 1:
                raise OutputError(f"{target}: cannot write (another program holds it open; close it in Excel or "
                                  "WPS and run again)") from exc
            time.sleep(REPLACE_PAUSE_S)


def _lock(fd: int, wait: bool) -> bool:
    """Take the exclusive lock on an open file: at once (False when another process holds it) or waiting."""
    if sys.platform == "win32":
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return True
            except OSError:
                if not wait:
                    return False
                time.sleep(0.5)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        return True
    except BlockingIOError:
        return False


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
