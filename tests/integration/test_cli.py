"""The `antrean` command line, run in-process against a real SQLite file."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from antrean.cli import main


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("ANTREAN_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("ANTREAN_ENVIRONMENT", "test")
    assert main(["db", "upgrade"]) == 0
    return path


def test_a_valid_nik_prints_what_it_encodes_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nik", "check", "3174014107900001", "--dob", "1990-07-01"]) == 0
    out = capsys.readouterr().out
    assert "3174********0001" in out and "female" in out and "1990-07-01" in out and "DKI Jakarta" in out
    assert "3174014107900001" not in out  # never the whole number on a screen or in a log


def test_a_wrong_nik_says_which_part_and_exits_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nik", "check", "3174013207900001"]) == 1
    out = capsys.readouterr().out
    assert "nik_invalid_birth_date" in out and "320790" in out


def test_a_nik_that_disagrees_with_the_date_of_birth_exits_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nik", "check", "3174010107900001", "--dob", "1990-07-02"]) == 1
    assert "nik_birth_date_mismatch" in capsys.readouterr().out


def test_staff_import_offices_release_a_date_and_see_it_free(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["offices", "import"]) == 0
    assert "137 offices added" in capsys.readouterr().out
    assert main(["offices", "list", "-q", "denpasar"]) == 0
    assert "DPS" in capsys.readouterr().out
    assert main(["quota", "template", "DPS", "08:00-09:00=4", "09:00-10:00=6"]) == 0
    assert main(["release", "--office", "DPS", "2031-03-04"]) == 0
    assert main(["quota", "set", "DPS", "2031-03-04", "08:00", "2"]) == 0
    assert "capacity 2, now" in capsys.readouterr().out
    assert main(["calendar", "DPS", "--month", "2031-03", "--day", "2031-03-04"]) == 0
    out = capsys.readouterr().out
    assert " 4+" in out and "2 of 2 left" in out and "6 of 6 left" in out and "WITA" in out


def test_closing_a_date_turns_it_grey(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["offices", "import"]) == 0
    assert main(["quota", "close", "JYP", "2031-03-05", "--reason", "renovasi"]) == 0
    capsys.readouterr()
    assert main(["calendar", "JYP", "--month", "2031-03"]) == 0
    assert " 5-" in capsys.readouterr().out


def test_a_refused_staff_action_exits_one_with_the_reason(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["offices", "import"]) == 0
    assert main(["release", "--office", "NOPE", "2031-03-04"]) == 1
    assert "office_not_found" in capsys.readouterr().err


def test_the_first_administrator_is_made_on_the_command_line_with_a_password_from_stdin(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("kata-sandi-rahasia\n"))
    assert main(["staff", "create", "Admin", "--role", "admin", "--name", "Kepala Seksi", "--password-stdin"]) == 0
    assert "staff account admin (admin) created" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("pendek\n"))
    assert main(["staff", "create", "loket1", "--role", "counter", "--office", "JKT-SEL", "--password-stdin"]) == 1
    refused = capsys.readouterr().err
    assert "invalid_staff_account: A password has at least 10 characters, with no spaces at either end." in refused
    monkeypatch.setattr("sys.stdin", io.StringIO("Bismillah2026\n"))
    assert main(["staff", "create", "loket1", "--role", "counter", "--office", "JKT-SEL", "--password-stdin"]) == 1
    assert "a word people often choose" in capsys.readouterr().err
    assert main(["staff", "list"]) == 0
    assert "Kepala Seksi" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["nik", "check", "3671014101990003", "--dob", "1999-01-41"], "'1999-01-41' is no day of the calendar"),
        (["nik", "check", "3671014101990003", "--dob", "yesterday"], "not a date of the form YYYY-MM-DD"),
        (["calendar", "JKT-SEL", "--party", "9"], "--party"),
        (["calendar", "JKT-SEL", "--month", "2026-13"], "'2026-13' is not a month"),
        (["quota", "set", "JKT-SEL", "2026-12-01", "8 o'clock", "5"], "not a time of the form HH:MM"),
        (["quota", "set", "JKT-SEL", "2026-12-01", "08:00", "many"], "'many' is not a valid integer"),
        (["quota", "template", "JKT-SEL", "8-9"], "not a slot of the form HH:MM-HH:MM=CAPACITY"),
        (["quota", "template", "JKT-SEL", "09:00-08:00=5"], "not a slot of the form"),
        (["offices", "import", "/no/such/file.csv"], "does not exist"),
        (["staff", "create", "loket1", "--role", "boss"], "'boss' is not one of"),
        (["release", "--office", "JKT-SEL"], "give --office CODE and the dates, or --weekly"),
        (["offices", "shuffle"], "No such command 'shuffle'"),
        (["quota", "set", "JKT-SEL"], "Missing argument 'DAY'"),
        (["--frobnicate"], "No such option"),
        (["broadcast", "send", "JKT-SEL"], "Missing option '--text-id'"),
        (["broadcast", "pause", "0"], "0 is not in the range"),
        (["broadcast", "send", "JKT-SEL", "--text-id", "x", "--day", "2031-02-30"], "no day of the calendar"),
        (["draw", "verify", "/no/such/draw.json"], "No such file or directory"),
    ],
)
def test_a_bad_argument_is_one_line_naming_it_and_exit_status_two(
    argv: list[str], says: str, database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], captured.err
    assert lines[0].startswith("antrean") and captured.out == ""


def test_a_bad_setting_is_one_line_naming_the_variable(
    database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTREAN_HOLD_MINUTES", "many")
    assert main(["offices", "list"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "ANTREAN_HOLD_MINUTES" in line


def test_every_command_has_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    commands = [
        [], ["bot"], ["web"], ["worker"], ["demo"], ["db", "upgrade"], ["offices", "import"], ["offices", "list"],
        ["calendar"], ["release"], ["quota", "template"], ["quota", "set"], ["quota", "close"], ["nik", "check"],
        ["staff", "create"], ["staff", "list"], ["broadcast", "send"], ["broadcast", "watch"], ["broadcast", "pause"],
        ["broadcast", "resume"], ["broadcast", "cancel"], ["draw", "verify"],
    ]  # fmt: skip
    for command in commands:
        assert main([*command, "--help"]) == 0, command
        out = capsys.readouterr().out
        assert out.startswith("Usage: antrean"), (command, out)


def test_the_console_script_prints_no_traceback_for_a_bad_date() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "antrean", "nik", "check", "3671014101990003", "--dob", "1999-01-41"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == "antrean nik check: Invalid value for '--dob': '1999-01-41' is no day of the calendar"


def test_a_database_without_the_schema_or_out_of_reach_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTREAN_ENVIRONMENT", "test")
    monkeypatch.setenv("ANTREAN_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert main(["offices", "list"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "run `antrean db upgrade` first" in line
    monkeypatch.setenv("ANTREAN_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nothing")
    assert main(["staff", "list"]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("antrean: cannot use the database:")


def test_a_catalogue_file_of_the_wrong_shape_or_encoding_is_one_line_naming_the_file(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00")
    assert main(["offices", "import", str(wrong)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "antrean offices import: Invalid value for FILE: CSV lacks columns: "
        "address, city, code, kanwil, kind, name, province, timezone"
    ]
    assert main(["offices", "import", str(binary)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.endswith("the file is not UTF-8 text")


def test_a_broadcast_from_the_command_line_is_written_for_the_worker_and_can_be_cancelled(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["offices", "import"]) == 0
    capsys.readouterr()
    # Nobody follows the office yet: written with no recipients, and nothing to wait for.
    assert main(["broadcast", "send", "DPS", "--text-id", "Layanan Sabtu buka."]) == 0
    assert capsys.readouterr().out.strip() == "broadcast #1: 0 recipients"
    assert main(["broadcast", "cancel", "1"]) == 0
    assert "#1 DPS cancelled: 0 sent, 0 waiting" in capsys.readouterr().out
    assert main(["broadcast", "watch", "1"]) == 0  # a finished one: its line at once, no waiting
    assert "#1 DPS cancelled" in capsys.readouterr().out
    assert main(["broadcast", "send", "DPS", "--text-id", "  "]) == 1
    assert "refused: broadcast_text: Write the message in Indonesian" in capsys.readouterr().err
    assert main(["broadcast", "pause", "99"]) == 1
    assert "refused: no_such_broadcast" in capsys.readouterr().err


def test_faq_ask_prints_the_ranked_topics_and_the_best_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "ask", "kok nik sy ditolak"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. nik") and "Mengapa NIK saya ditolak?" in out and "16 angka" in out


def test_faq_ask_json_is_a_list_best_first_in_the_language_asked(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["faq", "ask", "--json", "how do I cancel my booking"]) == 0
    ranked = json.loads(capsys.readouterr().out)
    assert ranked[0]["topic"] == "cancel"
    assert {"topic", "score", "question", "answer"} <= ranked[0].keys()
    assert ranked[0]["question"] == "How do I cancel?" and ranked[0]["confident"] is True
    assert main(["faq", "ask", "--json", "--lang", "id", "how do I cancel my booking"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["question"] == "Bagaimana cara membatalkan?"


def test_faq_ask_with_a_wrong_language_is_one_line_and_status_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faq", "ask", "--lang", "fr", "bonjour"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--lang" in err


def _draw_file(tmp_path: Path, **changes: object) -> str:
    from core.domain.draw import Registration, commitment, digest, list_text, order

    registrations = tuple(Registration(n, f"T{n:03d}", 1 + n % 4, (date(2026, 12, 14),)) for n in range(1, 41))
    seed = "ab" * 32
    published: dict[str, object] = {
        "commitment": commitment(seed),
        "digest": digest(registrations),
        "seed": seed,
        "beacon": "",
        "registrations": list_text(registrations).split("\n"),
        "order": list(order(registrations, seed)),
    }
    published.update(changes)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(published))
    return str(path)


def test_a_published_draw_is_repeated_and_found_honest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["draw", "verify", _draw_file(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all(line.startswith("✓ ") for line in out)
    assert "(40 registrations, " in out[1]


def test_a_draw_with_a_changed_registration_or_order_is_named_and_exits_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    honest = json.loads(Path(_draw_file(tmp_path)).read_text())
    lines = honest["registrations"]
    changed = [lines[0].replace("|2|", "|3|"), *lines[1:]]
    assert main(["draw", "verify", _draw_file(tmp_path, registrations=changed)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✓ ") and out[1].startswith("✗ NOT: the list") and out[2].startswith("✗ NOT: the order")
    reordered = [honest["order"][1], honest["order"][0], *honest["order"][2:]]
    assert main(["draw", "verify", _draw_file(tmp_path, order=reordered)]) == 1
    assert [line[:1] for line in capsys.readouterr().out.splitlines()] == ["✓", "✓", "✗"]


def test_a_file_that_is_no_published_draw_is_one_line_and_exit_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["draw", "verify", _draw_file(tmp_path, registrations=["1|T|x|"])]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a published draw: the number and the party size are whole numbers" in err[0]
    (tmp_path / "empty.json").write_text("{}")
    assert main(["draw", "verify", str(tmp_path / "empty.json")]) == 2
    assert "not a published draw: missing commitment, digest, seed, registrations, order" in capsys.readouterr().err
    (tmp_path / "broken.json").write_text('{"commitment": ')
    assert main(["draw", "verify", str(tmp_path / "broken.json")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
