"""No file holds what an unresolved `copier update` leaves behind: conflict markers, `.rej` files.

`copier update` writes conflicts into the files (or next to them as `.rej`) and still exits 0;
this test keeps such a project from passing its own suite.
"""

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Built from parts so that this file does not hold them itself.
MARKERS = tuple(sign * 7 for sign in ("<", ">"))
NOT_OURS = {".git", ".venv", "venv", "node_modules", "__pycache__"}


def walk(root: Path) -> Iterator[Path]:
    """Every file under root, outside version-control, environment and cache directories."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [
            name for name in subfolders if name not in NOT_OURS and not name.endswith("_cache")
        ]
        for name in files:
            yield Path(folder, name)


def tracked_files(root: Path) -> list[Path]:
    """The files git tracks or would add; every file when root is not a git work tree."""
    git = shutil.which("git")
    if git is None:
        return list(walk(root))
    listing = subprocess.run(
        [git, "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if listing.returncode != 0:  # not a git work tree
        return list(walk(root))
    listed = listing.stdout
    return [root / os.fsdecode(name) for name in listed.split(b"\0") if name]


def marker_lines(path: Path) -> list[int]:
    """Line numbers (from 1) that open or close a conflict."""
    try:
        lines = path.read_bytes().splitlines()
    except (FileNotFoundError, IsADirectoryError):  # deleted but still listed by git
        return []
    opening = tuple(marker.encode() for marker in MARKERS)
    return [
        number
        for number, line in enumerate(lines, start=1)
        if line.startswith(opening) and line[7:8] in (b"", b" ")
    ]


def test_no_file_holds_conflict_markers() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): lines
        for path in tracked_files(ROOT)
        if (lines := marker_lines(path))
    }
    assert not found, f"conflict markers left by an update (file: lines): {found}"


def test_no_rejected_hunks_are_left() -> None:
    rejected = sorted(
        path.relative_to(ROOT).as_posix() for path in walk(ROOT) if path.suffix == ".rej"
    )
    assert not rejected, f"hunks an update could not apply, still to merge: {rejected}"
