"""Render the template into a destination, all or nothing.

Copier writes into a fresh staging directory beside the destination (same filesystem); only a
complete render is moved into place, so a failure or Ctrl-C leaves the destination as it was.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import copier
from copier.errors import (
    CopierError,
    DirtyLocalWarning,
    InteractiveSessionError,
    UnsupportedVersionError,
    UserMessageError,
)

from generator.errors import DestinationError, InvalidAnswerError, SlipstreamError, TemplateError
from generator.questions import check_answers, load_questions
from generator.template_source import config_file, default_template_source

STAGING_MARKER = ".slipstream-"
"""Part of the name of every staging directory, so a leftover one is recognisable."""

_REMOTE_PREFIXES = ("gh:", "gl:", "git@", "git+")
_VALIDATION_ERROR = re.compile(
    r"^Validation error for question '(?P<name>[^']+)': (?P<message>.*)$", re.DOTALL
)


@contextmanager
def accepting_template_edits() -> Iterator[None]:
    """Copier without its warning about a template checkout with uncommitted edits:
    rendering or updating from one is what a template developer does."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DirtyLocalWarning)
        yield


@dataclass(frozen=True, slots=True)
class TemplateSource:
    """A template to render: a local directory (whose copier.yml is read first) or a URL."""

    location: str
    local_path: Path | None


def resolve_template(template: Path | str | None) -> TemplateSource:
    """Absolute local path or URL of the template; TemplateError if a local one is unusable."""
    if template is None:
        path = default_template_source()
    elif isinstance(template, str) and ("://" in template or template.startswith(_REMOTE_PREFIXES)):
        return TemplateSource(location=template, local_path=None)
    else:
        path = Path(template).expanduser()
    path = path.resolve()
    if path.is_file() and path.suffix == ".bundle":  # a git bundle is a valid Copier source
        return TemplateSource(location=str(path), local_path=None)
    config_file(path)
    return TemplateSource(location=str(path), local_path=path)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def check_destination(dest: Path, *, force: bool) -> None:
    """Refuse a destination that is not a directory, or a non-empty one unless forced."""
    if dest.exists() or dest.is_symlink():
        if not dest.is_dir():
            raise DestinationError(f"destination {dest} exists and is not a directory")
        if not force and any(dest.iterdir()):
            raise DestinationError(
                f"destination {dest} is not empty; use --force to render over its files"
            )
        return
    for ancestor in dest.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise DestinationError(f"cannot create {dest}: {ancestor} is not a directory")
            return


def _answer_error(error: ValueError) -> InvalidAnswerError:
    """A validator's message (Copier raises a ValueError naming the question) on one line."""
    match = _VALIDATION_ERROR.match(str(error))
    if match is None:
        return InvalidAnswerError(_one_line(str(error)))
    detail = _one_line(match["message"])
    return InvalidAnswerError(f"{match['name']}: {detail}", question=match["name"], detail=detail)


def _translate_copier_error(error: Exception) -> SlipstreamError:
    """Turn what copier raises into slipstream's hierarchy with a one-line message."""
    if isinstance(error, InteractiveSessionError):
        return InvalidAnswerError(
            "no terminal to ask the remaining questions on; answer them with flags "
            "and pass --defaults"
        )
    # A version the template refuses is a template problem like a malformed copier.yml;
    # other user messages (a failed task, a missing extension) are told as they are.
    if isinstance(error, UserMessageError) and not isinstance(error, UnsupportedVersionError):
        return SlipstreamError(_one_line(str(error)))
    if isinstance(error, CopierError):
        return TemplateError(f"template error: {_one_line(str(error))}")
    if isinstance(error, ValueError):
        return _answer_error(error)
    if isinstance(error, OSError):
        detail = getattr(error, "stderr", None) or str(error)
        return TemplateError(f"cannot render the template: {_one_line(str(detail))}")
    raise error


def _run_copier(
    source: TemplateSource,
    target: Path,
    *,
    answers: Mapping[str, object],
    defaults: bool,
    vcs_ref: str | None,
) -> None:
    try:
        with accepting_template_edits():
            copier.run_copy(
                source.location,
                str(target),
                data=dict(answers),
                defaults=defaults,
                vcs_ref=vcs_ref,
                unsafe=False,
                quiet=True,
                overwrite=False,
                cleanup_on_error=False,
            )
    except KeyboardInterrupt:
        # CopierAnswersInterrupt (Ctrl-C at a prompt) is also a CopierError: keep it an interrupt.
        raise
    except (CopierError, ValueError, OSError) as error:
        raise _translate_copier_error(error) from error


@dataclass(slots=True)
class _Journal:
    """What has been moved into the destination, so it can be put back."""

    placed: list[tuple[Path, Path | None]] = field(default_factory=list)
    created_dirs: list[Path] = field(default_factory=list)
    staging: Path | None = None

    def undo(self) -> None:
        for target, backup in reversed(self.placed):
            _remove(target)
            if backup is not None:
                backup.replace(target)
        self.placed.clear()
        self.remove_staging()
        for directory in reversed(self.created_dirs):
            directory.rmdir()
        self.created_dirs.clear()

    def remove_staging(self) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _find_conflict(rendered: Path, dest: Path) -> Path | None:
    """A rendered path whose kind (file or directory) differs from what the destination holds."""
    for source in rendered.iterdir():
        target = dest / source.name
        if not (target.exists() or target.is_symlink()):
            continue
        source_is_dir = source.is_dir() and not source.is_symlink()
        target_is_dir = target.is_dir() and not target.is_symlink()
        if source_is_dir != target_is_dir:
            return target
        if source_is_dir:
            conflict = _find_conflict(source, target)
            if conflict is not None:
                return conflict
    return None


def _merge(rendered: Path, dest: Path, backup: Path, journal: _Journal) -> None:
    """Move rendered entries into an existing directory, backing up files they replace."""
    for source in sorted(rendered.iterdir()):
        target = dest / source.name
        if not (target.exists() or target.is_symlink()):
            source.replace(target)
            journal.placed.append((target, None))
        elif source.is_dir() and not source.is_symlink():
            _merge(source, target, backup / source.name, journal)
        else:
            backup.mkdir(parents=True, exist_ok=True)
            saved = backup / source.name
            target.replace(saved)
            journal.placed.append((target, saved))
            source.replace(target)


def _make_staging_dir(dest: Path, journal: _Journal) -> Path:
    """A fresh directory next to dest (same filesystem, so moving out of it is a rename)."""
    missing = [ancestor for ancestor in dest.parents if not ancestor.exists()]
    try:
        for directory in reversed(missing):
            directory.mkdir()
            journal.created_dirs.append(directory)
        while True:
            staging = dest.parent / f".{dest.name}{STAGING_MARKER}{secrets.token_hex(4)}"
            try:
                staging.mkdir()  # not mkdtemp: its 0700 mode would end up on the destination
            except FileExistsError:
                continue
            journal.staging = staging
            return staging
    except OSError as error:
        raise DestinationError(f"cannot write beside {dest}: {error.strerror or error}") from error


def render(
    dest: Path,
    *,
    answers: Mapping[str, object],
    template: Path | str | None = None,
    vcs_ref: str | None = None,
    defaults: bool = True,
    force: bool = False,
) -> Path:
    """Render the template into dest and return dest's absolute path.

    `answers` go to Copier as data; with `defaults` the other questions take their defaults,
    without it Copier asks for them on the terminal. On any failure (Ctrl-C included) the
    destination is left exactly as it was.
    """
    dest = Path(os.path.abspath(Path(dest).expanduser()))  # noqa: PTH100 - keep symlinks as named
    source = resolve_template(template)
    if source.local_path is not None:
        check_answers(load_questions(source.local_path), answers)
    check_destination(dest, force=force)
    journal = _Journal()
    try:
        staging = _make_staging_dir(dest, journal)
        rendered = staging / "render"
        rendered.mkdir()
        _run_copier(source, rendered, answers=answers, defaults=defaults, vcs_ref=vcs_ref)
        if not dest.exists():
            rendered.rename(dest)
            journal.placed.append((dest, None))
        else:
            conflict = _find_conflict(rendered, dest)
            if conflict is not None:
                raise DestinationError(
                    f"cannot render over {conflict}: a file and a directory would collide"
                )
            _merge(rendered, dest, staging / "backup", journal)
    except BaseException:
        journal.undo()
        raise
    journal.remove_staging()
    return dest
