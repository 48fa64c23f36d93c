"""Answering the questions on a real pseudo-terminal, through `slipstream new` and `copier copy`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest
import yaml

from generator.cli import ABORTED_EXIT_CODE
from generator.questions import Question, load_questions
from tests.conftest import REPO_ROOT

CLEAR_LINE = "\x15"  # Ctrl-U: a text prompt starts pre-filled with the default
ARROW_DOWN = "\x1b[B"
ENTER = "\r"
TIMEOUT_SECONDS = 60
HELP_PREFIX_LENGTH = 40  # enough to tell questions apart, short enough never to wrap

TYPED = {"project_name": "Harbor Ledger", "author_email": "ops@harbor-ledger.example"}
CHOSEN = {"python_version": "3.12"}
EXPECTED = {
    "project_name": "Harbor Ledger",
    "package_name": "harbor_ledger",
    "author_email": "ops@harbor-ledger.example",
    "python_version": "3.12",
}


def slipstream_command() -> list[str]:
    script = Path(sys.executable).with_name("slipstream")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "generator.cli"]


def keys_for(question: Question) -> str:
    if question.name in TYPED:
        return CLEAR_LINE + TYPED[question.name] + ENTER
    if question.name in CHOSEN:
        values = question.choice_values
        steps = values.index(CHOSEN[question.name]) - values.index(question.default)
        assert steps > 0, f"{CHOSEN[question.name]} must come after the default"
        return ARROW_DOWN * steps + ENTER
    return ENTER


def spawn(argv: list[str]) -> pexpect.spawn:
    env = {
        **os.environ,
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # nobody answers cursor-position requests here
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    }
    env.pop("PYTHONWARNINGS", None)
    return pexpect.spawn(
        argv[0],
        argv[1:],
        env=env,
        dimensions=(40, 120),
        timeout=TIMEOUT_SECONDS,
        encoding="utf-8",
    )


def answer_prompts(argv: list[str], template: Path, log: Path) -> None:
    child = spawn(argv)
    with log.open("w", encoding="utf-8") as transcript:
        child.logfile_read = transcript
        try:
            for question in load_questions(template).values():
                if not question.asked:
                    continue
                child.expect_exact(question.help[:HELP_PREFIX_LENGTH])
                if question.name in CHOSEN:
                    child.expect_exact(question.choices[0].label if question.choices else "")
                child.send(keys_for(question))
            child.expect(pexpect.EOF)
        finally:
            child.close()
    assert child.exitstatus == 0, log.read_text(encoding="utf-8")


@pytest.mark.parametrize("tool", ["slipstream", "copier"])
def test_answering_the_prompts_on_a_terminal(
    template_snapshot: Path, tmp_path: Path, tool: str
) -> None:
    assert all(question in load_questions(template_snapshot) for question in EXPECTED)
    dest = tmp_path / "harbor-ledger"
    if tool == "slipstream":
        argv = [*slipstream_command(), "new", str(dest), "--template", str(template_snapshot)]
    else:
        argv = [sys.executable, "-m", "copier", "copy", str(template_snapshot), str(dest)]
    answer_prompts(argv, template_snapshot, tmp_path / "transcript.txt")
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert EXPECTED.items() <= answers.items()


def test_ctrl_c_at_a_prompt_aborts_and_leaves_nothing(
    template_snapshot: Path, tmp_path: Path
) -> None:
    first, second = [q for q in load_questions(template_snapshot).values() if q.asked][:2]
    parent = tmp_path / "projects"
    child = spawn(
        [*slipstream_command(), "new", str(parent / "svc"), "--template", str(template_snapshot)]
    )
    try:
        child.expect_exact(first.help[:HELP_PREFIX_LENGTH])
        child.send(ENTER)
        child.expect_exact(second.help[:HELP_PREFIX_LENGTH])
        child.send("\x03")
        child.expect_exact("aborted")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == ABORTED_EXIT_CODE
    assert "Traceback" not in (child.before or "")
    assert list(tmp_path.iterdir()) == []
