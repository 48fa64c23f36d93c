"""An opt-in question left at `none` renders nothing of its part: no module, no dependency,
no import, no setting. Each case is checked beside the value that adds the part, so a test
that looked for the wrong name would fail there instead of passing for nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_copie.plugin import Copie

from tests.helpers import dependency_names, imported_modules, rendered

PACKAGE = "stock_keeper"


def python_imports(project: Path) -> set[str]:
    """Top-level names imported anywhere in the project's sources and tests."""
    return {
        module.split(".")[0]
        for path in [*(project / "src").rglob("*.py"), *(project / "tests").rglob("*.py")]
        for module in imported_modules(path, project / "src" if "src" in path.parts else project)
    }


def settings_source(project: Path) -> str:
    return (project / "src" / PACKAGE / "core" / "settings.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("answers", "modules", "dependencies", "imports", "setting"),
    [
        (
            {"tracing": "otlp"},
            ["core/tracing.py", "api/tracing.py"],
            {
                "opentelemetry-sdk",
                "opentelemetry-exporter-otlp-proto-http",
                "opentelemetry-proto",
            },
            {"opentelemetry"},
            "otel_",
        ),
        ({"auth": "jwt"}, ["auth/jwks.py", "auth/tokens.py"], {"pyjwt"}, {"jwt"}, "jwt_"),
        ({"auth": "api_key"}, ["auth/api_keys.py"], set(), set(), "api_keys"),
    ],
    ids=["tracing", "auth-jwt", "auth-api_key"],
)
def test_an_option_at_none_renders_nothing_of_its_part(
    copie: Copie,
    answers: dict[str, str],
    modules: list[str],
    dependencies: set[str],
    imports: set[str],
    setting: str,
) -> None:
    with_part = rendered(copie, **answers)
    without = rendered(copie, **dict.fromkeys(answers, "none"))
    for module in modules:
        assert (with_part / "src" / PACKAGE / module).exists(), module
        assert not (without / "src" / PACKAGE / module).exists(), module
    assert dependencies <= dependency_names(with_part, extras=True)
    assert not dependencies & dependency_names(without, extras=True)
    assert imports <= python_imports(with_part)
    assert not imports & python_imports(without)
    assert setting in settings_source(with_part)
    assert setting not in settings_source(without)
