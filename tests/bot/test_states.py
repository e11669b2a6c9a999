"""Every state of the conversation has its question and its node in states.mmd, and the drawing has no other step."""

from __future__ import annotations

import re
from pathlib import Path

from aiogram.fsm.state import State, StatesGroup

from bot import states
from bot.handlers.prompts import PROMPTS

DRAWING = Path(states.__file__).with_name("states.mmd")
_NODE = r"(\[\*\]|\w+)"
_TRANSITION = re.compile(rf"^{_NODE}\s*-->\s*{_NODE}(?:\s*:.*)?$")


def _groups() -> list[type[StatesGroup]]:
    found = vars(states).values()
    return [g for g in found if isinstance(g, type) and issubclass(g, StatesGroup) and g is not StatesGroup]


def _all_states() -> list[State]:
    return [s for group in _groups() for s in group.__states__]


def _node(state: State) -> str:
    group, name = (state.state or "").split(":")
    return f"{group}_{name}"


def _read_drawing() -> tuple[dict[str, set[str]], set[str], set[str]]:
    """(nodes drawn inside each composite state, every node drawn, the nodes of class `screen`)."""
    inside: dict[str, set[str]] = {}
    everywhere: set[str] = set()
    screens: set[str] = set()
    open_groups: list[str] = []
    in_note = False
    for raw in DRAWING.read_text().splitlines():
        line = raw.split("%%")[0].strip()
        if in_note:
            in_note = line != "end note"
            continue
        if not line or line.startswith(("stateDiagram", "classDef")) or (line.startswith("note ") and ":" in line):
            continue
        if line.startswith("note "):
            in_note = True
        elif m := re.fullmatch(r"state (\w+) \{", line):
            open_groups.append(m[1])
            inside.setdefault(m[1], set())
        elif line == "}":
            open_groups.pop()
        elif m := re.fullmatch(r"class ([\w, ]+) screen", line):
            screens |= {name.strip() for name in m[1].split(",")}
        elif m := _TRANSITION.fullmatch(line):
            nodes = {n for n in (m[1], m[2]) if n != "[*]"}
            everywhere |= nodes
            if open_groups:
                inside[open_groups[-1]] |= nodes
        else:
            raise AssertionError(f"states.mmd: a line this test does not read: {raw!r}")
    return inside, everywhere, screens


def test_every_state_has_a_question() -> None:
    missing = [s.state for s in _all_states() if s.state not in PROMPTS]
    assert missing == []
    assert len(_all_states()) >= 14  # registration 6, family 3, booking 5


def test_every_state_is_drawn_inside_its_group() -> None:
    inside, _, _ = _read_drawing()
    missing = [s.state for s in _all_states() if _node(s) not in inside.get((s.state or "").split(":")[0], set())]
    assert missing == []


def test_the_drawing_has_no_step_the_code_lacks() -> None:
    inside, everywhere, screens = _read_drawing()
    steps = {_node(s) for s in _all_states()}
    assert set(inside) == {g.__name__ for g in _groups()}
    assert {n for nodes in inside.values() for n in nodes} <= steps
    assert everywhere - steps - screens == set()
    assert screens.isdisjoint(steps) and screens <= everywhere


def test_the_command_menu_lists_every_command_the_bot_answers_in_each_language() -> None:
    from aiogram.filters import Command

    from bot.factory import COMMANDS
    from bot.handlers import commands

    # What the commands router answers, read from its filters: a command added there is missing here at once.
    filters = [f.callback for h in commands.router().message.handlers for f in h.filters or []]
    answered = {str(c) for f in filters if isinstance(f, Command) for c in f.commands}
    assert answered == {"start", "menu", "help", "language", "cancel", "mydata"}
    assert {lang: {c for c, _ in commands} for lang, commands in COMMANDS.items()} == {"id": answered, "en": answered}
