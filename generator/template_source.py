"""Where the Copier template lives: the checkout in development, a packaged copy when installed."""

from __future__ import annotations

from pathlib import Path

import generator
from generator.errors import TemplateError

CONFIG_FILE = "copier.yml"
PACKAGED_TEMPLATE_DIR = "_template"


def checkout_root() -> Path:
    """The directory that holds the `generator` package (the repository root in a checkout)."""
    return Path(generator.__file__).resolve().parent.parent


def packaged_template() -> Path:
    """The copy of copier.yml and template/ that the wheel force-includes inside the package."""
    return Path(generator.__file__).resolve().parent / PACKAGED_TEMPLATE_DIR


def default_template_source() -> Path:
    """The absolute path of the template to render when the user names none.

    Absolute on purpose: Copier records the source in `_src_path`, and a relative path there
    breaks a later `copier update` run from the generated project.
    """
    root = checkout_root()
    if (root / CONFIG_FILE).is_file():
        return root
    return packaged_template()


def config_file(template: Path) -> Path:
    """The copier.yml of a local template directory, or TemplateError if there is none."""
    if not template.exists():
        raise TemplateError(f"template source not found: {template}")
    if not template.is_dir():
        raise TemplateError(f"template source is not a directory: {template}")
    config = template / CONFIG_FILE
    if not config.is_file():
        raise TemplateError(f"template source has no {CONFIG_FILE}: {template}")
    return config


def working_tree_ref(template: Path | str) -> str | None:
    """The ref that renders a local git template as it stands, uncommitted edits included.

    Copier renders a git template's newest tag when no ref is given; checking a template
    (`slipstream matrix`, `slipstream bench`) is about the edits being made, so those
    commands ask for HEAD, which Copier takes together with uncommitted changes.
    """
    path = Path(template)
    return "HEAD" if path.is_dir() and (path / ".git").exists() else None
