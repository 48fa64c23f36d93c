"""Plain `copier copy` and `slipstream new` with the same answers produce the same project."""

from __future__ import annotations

import stat
from pathlib import Path

import copier
from typer.testing import CliRunner

from generator.cli import ANSWER_FLAGS, app
from tests.helpers import ANSWERS_FILE, read_answers

ANSWERS: dict[str, object] = {
    "project_name": "Stock Keeper",
    "author_name": "Warehouse Team",
    "author_email": "boxes@warehouse.example",
    "workers": 3,
}


def cli_args(answers: dict[str, object]) -> list[str]:
    args: list[str] = []
    for name, value in answers.items():
        args += [ANSWER_FLAGS[name].name, str(value)]
    return args


def describe_tree(root: Path) -> dict[str, tuple[str, int, bytes]]:
    """Every entry under root: its kind, permission bits and content (link target for links)."""
    tree: dict[str, tuple[str, int, bytes]] = {}
    for path in sorted(root.rglob("*")):
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_symlink():
            entry = ("link", 0, str(path.readlink()).encode())
        elif path.is_dir():
            entry = ("dir", mode, b"")
        else:
            entry = ("file", mode, path.read_bytes())
        tree[path.relative_to(root).as_posix()] = entry
    return tree


def test_copier_copy_and_slipstream_new_render_the_same_tree(
    template_snapshot: Path, tmp_path: Path
) -> None:
    by_copier = tmp_path / "by-copier" / "stock-keeper"
    by_slipstream = tmp_path / "by-slipstream" / "stock-keeper"
    copier.run_copy(
        str(template_snapshot), by_copier, data=dict(ANSWERS), defaults=True, quiet=True
    )
    result = CliRunner().invoke(
        app,
        [
            "new",
            str(by_slipstream),
            "--defaults",
            "--template",
            str(template_snapshot),
            *cli_args(ANSWERS),
        ],
    )
    assert result.exit_code == 0, result.output

    copier_answers = read_answers(by_copier)
    assert copier_answers == read_answers(by_slipstream)
    assert Path(copier_answers["_src_path"]).is_absolute()
    assert ANSWERS.items() <= copier_answers.items()

    copier_tree = describe_tree(by_copier)
    slipstream_tree = describe_tree(by_slipstream)
    assert ANSWERS_FILE in copier_tree
    assert len(copier_tree) > 1, "the template rendered nothing but the answers file"
    assert sorted(copier_tree) == sorted(slipstream_tree)
    for relpath, entry in copier_tree.items():
        if relpath != ANSWERS_FILE:
            assert slipstream_tree[relpath] == entry, relpath
    assert stat.S_IMODE(by_copier.stat().st_mode) == stat.S_IMODE(by_slipstream.stat().st_mode)
