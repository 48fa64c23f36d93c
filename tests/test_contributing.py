"""CONTRIBUTING.md's lists of files stay true: they exist, and adding a field needs no others.

The field test makes the change CONTRIBUTING.md describes, in a copy of the template and in
exactly the files it lists, then renders the default combination and runs its whole suite,
ruff and mypy, plus a probe test that sends the new field through the API.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.matrix import combinations, run_combination
from tests.conftest import REPO_ROOT

CONTRIBUTING = REPO_ROOT / "CONTRIBUTING.md"
PACKAGE_DIR = "template/src/{{package_name}}/"
OUTSIDE_THE_PACKAGE = ("template/", "generator/", "tests/", "copier.yml", "README.md")
"""Listed paths that start so are the repository's; the others are the generated package's."""
MAX_FILES = {"add-field": 5, "add-cache-backend": 5}
"""The changes that must stay small: at most this many files each."""

_LIST_MARKER = re.compile(r"<!-- files: ([a-z-]+) -->\n((?:- .*\n(?:  .*\n)*)+)")
_LISTED_PATH = re.compile(r"^- `([^`]+)`", re.MULTILINE)


def listed_files(change: str) -> list[tuple[str, bool]]:
    """The repository paths CONTRIBUTING.md lists for `change`, each with "is it new"."""
    lists = {
        match.group(1): match.group(2)
        for match in _LIST_MARKER.finditer(CONTRIBUTING.read_text(encoding="utf-8"))
    }
    assert change in lists, f"CONTRIBUTING.md has no file list for {change!r}"
    entries = re.split(r"^(?=- )", lists[change], flags=re.MULTILINE)
    found = []
    for entry in filter(None, entries):
        match = _LISTED_PATH.match(entry)
        assert match is not None, f"a {change} entry does not start with a path: {entry!r}"
        path = match.group(1)
        in_package = not path.startswith(OUTSIDE_THE_PACKAGE)
        found.append((PACKAGE_DIR + path if in_package else path, "(new)" in entry))
    return found


def changes() -> list[str]:
    """The changes CONTRIBUTING.md lists files for, in its order."""
    return [change for change, _ in _LIST_MARKER.findall(CONTRIBUTING.read_text("utf-8"))]


@pytest.mark.parametrize("change", changes())
def test_every_listed_file_exists(change: str) -> None:
    for path, new in listed_files(change):
        target = REPO_ROOT / path
        if new:  # a file the change creates: its folder is there already
            assert target.parent.is_dir(), f"{change}: no folder for {path}"
        else:
            assert target.is_file(), f"{change}: {path} does not exist"


@pytest.mark.parametrize("change", sorted(MAX_FILES))
def test_the_small_changes_stay_small(change: str) -> None:
    assert len(listed_files(change)) <= MAX_FILES[change], listed_files(change)


# The change CONTRIBUTING.md describes, as edits anchored on text each file holds today. An
# anchor that is gone means the recipe changed: update CONTRIBUTING.md and this together.
FIELD_EDITS: dict[str, list[tuple[str, str]]] = {
    PACKAGE_DIR + "domain/items.py": [
        (
            "    description: str | None\n    price: Decimal\n    is_active: bool\n"
            "    created_at: datetime\n",
            "    description: str | None\n    sku: str | None\n    price: Decimal\n"
            "    is_active: bool\n    created_at: datetime\n",
        ),
        (
            "    price: Decimal\n    is_active: bool = True\n",
            "    price: Decimal\n    is_active: bool = True\n    sku: str | None = None\n",
        ),
    ],
    PACKAGE_DIR + "schemas/items.py": [
        (
            "    is_active: Active = True\n",
            "    is_active: Active = True\n"
            "    sku: Annotated[str, StringConstraints(min_length=1, max_length=64)]"
            " | None = None\n",
        ),
    ],
    PACKAGE_DIR + "db/models.py": [
        (
            '    Column("description", String(1000), nullable=True),\n',
            '    Column("description", String(1000), nullable=True),\n'
            '    Column("sku", String(64), nullable=True),\n',
        ),
    ],
    "template/tests/unit/test_schemas.py.jinja": [
        ('        "version": 1,\n    }\n', '        "version": 1,\n        "sku": None,\n    }\n'),
    ],
}

VERSIONS = PACKAGE_DIR + "migrations/versions/"
# The recipe's revision follows the template's newest one.
NEWEST = max(int(path.name[:4]) for path in (REPO_ROOT / VERSIONS).glob("[0-9][0-9][0-9][0-9]_*"))
REVISION, DOWN_REVISION = f"{NEWEST + 1:04d}", f"{NEWEST:04d}"
MIGRATION = VERSIONS + f"{REVISION}_add_item_sku.py"
MIGRATION_TEXT = f'''"""Add items.sku.

Revision ID: {REVISION}
Revises: {DOWN_REVISION}
"""

import sqlalchemy as sa
from alembic import op

revision = "{REVISION}"
down_revision = "{DOWN_REVISION}"


def upgrade() -> None:
    op.add_column("items", sa.Column("sku", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("items", "sku")
'''

PROBE = "template/tests/api/test_sku_probe.py"
PROBE_TEXT = '''"""The new field goes in through POST and PATCH and comes back from GET."""

import httpx
import pytest

from ..items import create

pytestmark = pytest.mark.anyio


async def test_sku_round_trips(client: httpx.AsyncClient) -> None:
    created = await create(client, sku="PEN-1")
    assert created["sku"] == "PEN-1"
    url = f"/items/{created['id']}"
    assert (await client.get(url)).json()["sku"] == "PEN-1"
    patched = await client.patch(url, json={"sku": None})
    assert patched.status_code == 200, patched.text
    assert (await client.get(url)).json()["sku"] is None
    too_long = await client.post("/items", json={"name": "x", "price": "1", "sku": "x" * 65})
    assert too_long.status_code == 422
'''


def add_a_field(template: Path) -> set[str]:
    """Make CONTRIBUTING.md's add-field change in `template`; the paths it touched."""
    for path, edits in FIELD_EDITS.items():
        file = template / path
        text = file.read_text(encoding="utf-8")
        for anchor, replacement in edits:
            assert text.count(anchor) == 1, f"{path} no longer holds {anchor!r} exactly once"
            text = text.replace(anchor, replacement)
        file.write_text(text, encoding="utf-8")
    (template / MIGRATION).write_text(MIGRATION_TEXT, encoding="utf-8")
    return {*FIELD_EDITS, MIGRATION}


def test_the_field_edits_are_the_listed_files() -> None:
    listed = listed_files("add-field")
    new = [path for path, is_new in listed if is_new]
    assert len(new) == 1 and new[0].startswith(f"{VERSIONS}{REVISION}_"), new
    assert set(FIELD_EDITS) == {path for path, is_new in listed if not is_new}


@pytest.mark.matrix
def test_adding_a_field_takes_only_the_listed_files(
    template_snapshot: Path, tmp_path: Path
) -> None:
    template = tmp_path / "template-with-sku"
    shutil.copytree(template_snapshot, template)
    touched = add_a_field(template)
    assert len(touched) == len(listed_files("add-field"))
    (template / PROBE).write_text(PROBE_TEXT, encoding="utf-8")
    default = combinations(template, {"db_driver": ["aiosqlite"], "cache_backend": ["memory"],
                                      "server_mode": ["uvicorn"]})  # fmt: skip
    result = run_combination(
        default[0],
        template=template,
        workdir=tmp_path / "render",
        answers={"project_name": "Field Service"},
        env={"REQUIRE_SERVICES": "1"},
    )
    assert result.ok, result.describe()
    assert result.tests.passed > 0 and result.tests.skipped == 0
