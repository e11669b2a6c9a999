"""The staff pages over HTTP without a browser: sign-in, redirects, CSRF, refusals in the officer's language."""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.config import Settings
from core.crypto import Passwords
from core.domain.booking import BookingStatus
from core.domain.staff import Role
from core.persistence.tables import outbox
from core.runtime import Runtime
from core.services import broadcasts, faq, helpdesk, staff
from tests.conftest import NEXT_MONDAY, SECRET
from tests.factories import add_office, release_days, sample_office
from tests.web.api_support import login_form
from web.audit_view import ACTIONS
from web.pages.helpdesk import STATUSES, STEPS
from web.security import SESSION_COOKIE
from web.staff_app import staff_app

PASSWORD = "kata-sandi-panjang"


@pytest.fixture
async def client(sqlite_template: Path, tmp_path: Path, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    path = tmp_path / "pages.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings(database_url=f"sqlite:///{path}", environment="test", secret_key=SECRET)
    passwords = Passwords(time_cost=1, memory_kib=8192)
    app = staff_app(settings, clock=clock, passwords=passwords)
    async with app.router.lifespan_context(app):
        runtime = app.state.staff.runtime
        office = await add_office(runtime, sample_office())
        await release_days(runtime, office, [NEXT_MONDAY])
        for name, role in (("kantor", Role.OFFICE), ("bantuan", Role.SUPPORT), ("admin", Role.ADMIN)):
            await staff.create_staff(
                runtime.uow(), passwords, username=name, display_name=name, password=PASSWORD, role=role,
                office_codes=["TST"] if role is Role.OFFICE else [], now=clock.now(),
            )  # fmt: skip
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://staff.test") as c:
            yield c


async def sign_in(client: httpx.AsyncClient, username: str = "kantor") -> str:
    """Signs in; returns the session's CSRF token as the pages carry it."""
    response = await client.post(
        "/login", data={"username": username, "password": PASSWORD, **await login_form(client)}
    )
    assert response.status_code == 303
    page = (await client.get("/")).text
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found is not None
    return found.group(1)


async def test_a_page_asked_for_before_signing_in_leads_back_to_it_afterwards(client: httpx.AsyncClient) -> None:
    response = await client.get("/offices/TST", params={"day": NEXT_MONDAY.isoformat(), "x": "1"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/offices/TST%3Fday%3D2026-11-30%26x%3D1"
    form = await login_form(client)
    login = await client.post(
        "/login", data={"username": "kantor", "password": PASSWORD, "next": "/offices/TST?day=2026-11-30&x=1", **form}
    )
    assert login.status_code == 303 and login.headers["location"] == "/offices/TST?day=2026-11-30&x=1"


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "https://evil.example/", "evil"])
async def test_signing_in_never_sends_the_officer_to_another_site(client: httpx.AsyncClient, target: str) -> None:
    form = await login_form(client)
    response = await client.post("/login", data={"username": "kantor", "password": PASSWORD, "next": target, **form})
    assert response.headers["location"] == "/"


async def test_a_form_without_the_sessions_csrf_token_changes_nothing(client: httpx.AsyncClient) -> None:
    csrf = await sign_in(client)
    day = NEXT_MONDAY.isoformat()
    forged = await client.post(
        "/offices/TST/capacity", data={"csrf": "0" * 32, "day": day, "start": "08:00", "capacity": "3"}
    )
    assert forged.status_code == 403 and "Muat ulang halaman" in forged.text
    saved = await client.post(
        "/offices/TST/capacity", data={"csrf": csrf, "day": day, "start": "08:00", "capacity": "3"}
    )
    assert saved.status_code == 303
    page = (await client.get("/offices/TST", params={"day": day})).text
    assert 'value="3"' in page


async def test_a_refusal_is_shown_on_the_same_page_in_the_officers_words(client: httpx.AsyncClient) -> None:
    csrf = await sign_in(client)
    response = await client.post("/offices/TST/close", data={"csrf": csrf, "day": "2026-11-27", "reason": "rapat"})
    assert response.status_code == 422
    assert "2026-11-27 adalah hari ini atau sudah lewat" in response.text
    english = await client.post(
        "/offices/TST/close?lang=en", data={"csrf": csrf, "day": "2026-11-27", "reason": "rapat"}
    )
    assert "2026-11-27 is today or already past" in english.text


async def test_the_help_desk_may_look_at_a_day_but_not_change_its_quota(client: httpx.AsyncClient) -> None:
    csrf = await sign_in(client, "bantuan")
    assert (await client.get("/offices/TST", params={"day": NEXT_MONDAY.isoformat()})).status_code == 200
    response = await client.post(
        "/offices/TST/capacity", data={"csrf": csrf, "day": NEXT_MONDAY.isoformat(), "start": "08:00", "capacity": "3"}
    )
    assert response.status_code == 403 and "Akun Anda tidak berwenang" in response.text


async def test_staff_pages_cannot_be_framed_by_another_site(client: httpx.AsyncClient) -> None:
    response = await client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_day_in_the_address_that_is_no_date_is_refused_saying_so_never_shown_as_today_nor_a_500(
    client: httpx.AsyncClient,
) -> None:
    # It showed today's page before: an officer who asked for another day could print today's list unawares.
    await sign_in(client)
    for wrong in ("2026-13-45", "0001-01-01", "9999-12-31", "besok"):
        for path in ("/offices/TST", "/offices/TST/list", "/offices/TST/list.pdf"):
            response = await client.get(path, params={"day": wrong})
            assert response.status_code == 422, (path, wrong)
            assert "bukan tanggal yang bisa ditampilkan" in response.text and "2026-12-07" in response.text
            assert f"“{wrong}”" in response.text
    emptied = await client.get("/offices/TST/list?day=")  # the date field cleared, then Show: today
    assert emptied.status_code == 200 and "Jumat, 27 November 2026" in emptied.text


async def test_a_slot_template_with_an_impossible_capacity_says_so_and_keeps_the_rows(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_in(client)
    form = {"csrf": csrf, "start": ["08:00", "09:00"], "end": ["09:00", "10:00"], "capacity": ["20", "5000"]}
    response = await client.post("/offices/TST/template", data=form)
    assert response.status_code == 422
    assert "kuota 0 sampai 1000" in response.text and 'value="5000"' in response.text


# Each page form with a field one character over its limit (or a position out of range): refused before any use case.
TOO_LONG = [
    ("/login", {"username": "k" * 201, "password": PASSWORD}),
    ("/login", {"username": "kantor", "password": "p" * 1001}),
    ("/checkin", {"office": "T" * 33, "text": "K7PM-Q3XA"}),
    ("/checkin", {"office": "TST", "text": "K" * 501}),
    ("/checkin/arrive", {"office": "TST", "code": "K" * 17, "position": "1"}),
    ("/checkin/type", {"office": "TST", "code": "K7PMQ3XA", "position": "6", "application_type": "new"}),
    ("/checkin/name", {"office": "TST", "code": "K7PMQ3XA", "position": "1", "full_name": "A" * 201}),
    ("/checkin/name", {"office": "TST", "code": "K7PMQ3XA", "position": "1", "full_name": "A", "reason": "r" * 501}),
    ("/staff", {"username": "u" * 65, "password": PASSWORD, "role": "counter"}),
    ("/staff", {"username": "penjaga7", "password": "p" * 201, "role": "counter"}),
    ("/staff", {"username": "penjaga7", "password": PASSWORD, "role": "counter", "display_name": "n" * 201}),
    ("/staff", {"username": "penjaga7", "password": PASSWORD, "role": "boss"}),
]


@pytest.mark.parametrize(("path", "form"), TOO_LONG)
async def test_a_page_form_with_a_field_over_its_limit_is_refused(
    client: httpx.AsyncClient, path: str, form: dict[str, str]
) -> None:
    csrf = await sign_in(client, "admin")
    response = await client.post(path, data={"csrf": csrf, **form})
    assert response.status_code == 422
    listed = (await client.get("/staff")).text
    assert "penjaga7" not in listed


async def test_a_staff_account_made_on_the_page_is_listed_and_a_refused_one_keeps_the_form_filled(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_in(client, "admin")
    form = {"csrf": csrf, "username": "penjaga7", "display_name": "Loket Satu", "password": PASSWORD}
    made = await client.post("/staff", data={**form, "role": "counter", "offices": ["TST"]})
    assert made.status_code == 303
    listed = (await client.get("/staff")).text
    assert "penjaga7" in listed and "Loket Satu" in listed
    again = await client.post("/staff", data={**form, "username": "penjaga8", "role": "counter"})  # no office
    assert again.status_code == 422
    assert 'value="penjaga8"' in again.text and 'value="Loket Satu"' in again.text
    assert '<option value="counter" selected>' in again.text and PASSWORD not in again.text


async def test_a_username_no_account_can_have_is_a_wrong_password_not_a_failure(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/login", data={"username": "kan\x00tor", "password": PASSWORD, **await login_form(client)}
    )
    assert response.status_code == 401


# --- What the staff side tells browsers and proxies: store no personal data, run no foreign or inline code ---

PERSONAL = [
    "/",
    f"/offices/TST?day={NEXT_MONDAY.isoformat()}",
    f"/offices/TST/list?day={NEXT_MONDAY.isoformat()}",
    f"/offices/TST/list.pdf?day={NEXT_MONDAY.isoformat()}",
    "/api/me",
    f"/api/offices/TST/days/{NEXT_MONDAY.isoformat()}/list",
]


async def test_no_page_pdf_or_json_with_staff_data_may_be_stored_by_a_browser_or_proxy(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client)
    for path in PERSONAL:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    login = await client.get("/login")
    assert login.headers["cache-control"] == "no-store"
    style = await client.get("/static/staff.css")
    assert style.status_code == 200 and "no-store" not in style.headers.get("cache-control", "")


async def test_staff_pages_allow_only_their_own_scripts_and_styles_and_use_none_inline(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client)
    for path in ("/", f"/offices/TST?day={NEXT_MONDAY.isoformat()}", "/checkin", "/login"):
        response = await client.get(path)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "style-src 'self';" in policy, path
        assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy, path
        html = response.text
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None, f"inline script on {path}"
        assert " style=" not in html and "javascript:" not in html, path


async def test_the_api_documentation_loads_its_files_from_us_not_from_a_cdn(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/docs", "/redoc"):
        page = await client.get(path)
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/") for s in sources), sources
        for source in sources:
            assert (await client.get(source)).status_code == 200, source


# --- Bad requests to pages are answered by pages, in the officer's language, never with a server error --------


async def test_an_id_no_database_can_hold_is_a_page_saying_what_is_wrong_not_a_server_error(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_in(client)
    huge = "9" * 23
    for response in (
        await client.post(f"/staff/{huge}/active", data={"csrf": csrf, "active": "false"}),
        await client.get("/audit", params={"before": huge}),
        await client.get("/audit", params={"before": "9223372036854775808"}),
    ):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert "tidak valid" in response.text


async def test_a_form_too_long_for_its_field_gets_a_page_that_does_not_repeat_what_was_typed(
    client: httpx.AsyncClient,
) -> None:
    csrf = await sign_in(client)
    pasted = "Z" * 600
    response = await client.post("/checkin", data={"csrf": csrf, "office": "TST", "text": pasted})
    assert response.status_code == 422 and response.headers["content-type"].startswith("text/html")
    assert "text" in response.text and pasted not in response.text


async def test_an_unknown_page_is_a_page_and_an_unknown_api_path_is_json(client: httpx.AsyncClient) -> None:
    await sign_in(client)
    page = await client.get("/no-such-page")
    assert page.status_code == 404 and "Tidak ada halaman seperti itu." in page.text
    wrong_method = await client.delete("/staff")
    assert wrong_method.status_code == 405 and "<html" in wrong_method.text
    api = await client.get("/api/no-such-thing")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}


async def _staff_id(client: httpx.AsyncClient, username: str) -> int:
    """The id of an account, read from the Staff page's row for it (the admin must be signed in)."""
    page = (await client.get("/staff")).text
    row = page[page.index(f'data-username="{username}"') :]
    found = re.search(r'action="/staff/(\d+)/active"', row)
    assert found is not None
    return int(found.group(1))


async def test_a_copied_session_cookie_is_refused_right_after_signing_out(client: httpx.AsyncClient) -> None:
    await sign_in(client)
    copied = client.cookies.get(SESSION_COOKIE)
    assert copied and (await client.get("/api/me")).status_code == 200
    out = await client.post("/logout")
    assert out.status_code == 303
    client.cookies.set(SESSION_COOKIE, copied)
    assert (await client.get("/api/me")).status_code == 401
    assert (await client.get("/")).status_code == 303  # back to /login


async def test_a_copied_session_cookie_is_refused_once_the_account_is_turned_off(client: httpx.AsyncClient) -> None:
    await sign_in(client, "kantor")
    copied = client.cookies.get(SESSION_COOKIE)
    assert copied
    client.cookies.clear()
    csrf = await sign_in(client, "admin")
    kantor = await _staff_id(client, "kantor")
    off = await client.post(f"/staff/{kantor}/active", data={"csrf": csrf, "active": "false"})
    assert off.status_code == 303
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, copied)
    assert (await client.get("/api/me")).status_code == 401


async def test_signing_a_member_out_everywhere_ends_their_cookies_and_tokens_and_is_audited(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "kantor")
    copied = client.cookies.get(SESSION_COOKIE)
    assert copied
    client.cookies.clear()
    token = await client.post("/api/token", data={"username": "kantor", "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    assert (await client.get("/api/me", headers=bearer)).status_code == 200
    csrf = await sign_in(client, "admin")
    kantor = await _staff_id(client, "kantor")
    done = await client.post(f"/staff/{kantor}/sessions/end", data={"csrf": csrf})
    assert done.status_code == 303
    assert "Keluar di semua perangkat" in (await client.get(done.headers["location"])).text
    log = (await client.get("/audit")).text
    assert "staff_signed_out" in log and "staff kantor" in log
    client.cookies.clear()
    assert (await client.get("/api/me", headers=bearer)).status_code == 401
    client.cookies.set(SESSION_COOKIE, copied)
    assert (await client.get("/api/me")).status_code == 401
    assert (await client.post("/api/token", data={"username": "kantor", "password": PASSWORD})).status_code == 200


async def test_the_database_keeps_only_a_hash_of_each_session_token(client: httpx.AsyncClient, tmp_path: Path) -> None:
    await sign_in(client)
    token = client.cookies.get(SESSION_COOKIE)
    assert token
    # The WAL file too: a fresh write may not have reached the main file yet.
    files = sorted(tmp_path.glob("pages.sqlite3*"))  # noqa: ASYNC240 - a test reading its own small files
    stored = b"".join(p.read_bytes() for p in files)
    assert token.encode() not in stored
    assert hashlib.sha256(token.encode()).hexdigest().encode() in stored


async def test_a_login_form_without_its_csrf_token_signs_nobody_in(client: httpx.AsyncClient) -> None:
    bare = await client.post("/login", data={"username": "kantor", "password": PASSWORD})
    assert bare.status_code == 403 and SESSION_COOKIE not in client.cookies
    assert "Formulir masuk ini sudah kedaluwarsa" in bare.text
    form = await login_form(client)
    client.cookies.clear()  # the form's token without this browser's cookie: a page another site copied
    copied = await client.post("/login", data={"username": "kantor", "password": PASSWORD, **form})
    assert copied.status_code == 403 and SESSION_COOKIE not in client.cookies
    again = await client.post("/login", data={"username": "kantor", "password": PASSWORD, **await login_form(client)})
    assert again.status_code == 303 and client.cookies.get(SESSION_COOKIE)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaa", "mengulang satu karakter atau sekelompok kecil karakter"),
        ("abcdefghijkl", "berupa deret seperti 12345"),
        ("01-01-2000-01", "bisa ditebak dengan cepat"),
        ("penjaga7-2026", "memuat nama pengguna"),
        ("Password123!", "kata yang sering dipilih"),
    ],
)
async def test_a_weak_password_for_a_new_account_is_refused_saying_why(
    client: httpx.AsyncClient, password: str, why: str
) -> None:
    csrf = await sign_in(client, "admin")
    form = {"csrf": csrf, "username": "penjaga7", "password": password, "role": "admin"}
    refused = await client.post("/staff", data=form)
    assert refused.status_code == 422 and why in refused.text
    assert 'data-username="penjaga7"' not in (await client.get("/staff")).text


async def test_today_and_past_days_say_what_was_booked_never_that_the_quota_will_open(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client)
    today = (await client.get("/offices/TST", params={"day": "2026-11-27"})).text  # the clock's Friday
    assert "Hari ini: kuota tidak dibuka lagi" in today
    assert "Belum dibuka" not in today and "Belum dirilis" not in today and "pill free" not in today
    assert ">Hadir<" in today
    past = (await client.get("/offices/TST", params={"day": "2026-11-26"})).text
    assert "Tanggal ini sudah lewat: inilah yang dipesan dan siapa yang datang." in past
    assert "Belum dibuka" not in past and "Belum dirilis" not in past and "pill free" not in past
    future = (await client.get("/offices/TST", params={"day": "2026-12-01"})).text
    assert "Belum" in future and "pill free" in future  # a later date still says what it will open with


async def test_staff_pages_name_roles_actions_and_values_in_indonesian_with_local_times(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "bantuan")
    assert "Masuk sebagai bantuan (layanan bantuan)." in (await client.get("/")).text
    client.cookies.clear()
    csrf = await sign_in(client, "admin")
    staff_page = (await client.get("/staff")).text
    assert ">loket<" not in staff_page and ">layanan bantuan<" in staff_page and ">office<" not in staff_page
    kantor = await _staff_id(client, "kantor")
    await client.post(f"/staff/{kantor}/active", data={"csrf": csrf, "active": "false"})
    log = (await client.get("/audit")).text
    assert "Akun petugas dinonaktifkan" in log and "staff_deactivated<" not in log
    assert "aktif: ya" in log and "aktif: tidak" in log and "True" not in log
    assert "kantor: TST" in log and "['TST']" not in log and "peran: kantor" in log
    assert "UTC" not in log and re.search(r"27 Nov 2026 \d\d:\d\d WIB", log)


def test_the_audit_page_has_words_for_every_action_a_use_case_records() -> None:
    services = Path(__file__).resolve().parents[2] / "core" / "services"
    source = "\n".join(p.read_text() for p in sorted(services.glob("*.py")))
    recorded = set(re.findall(r'audit\.record\(\s*uow,\s*\w+,\s*"(\w+)"(?: if \w+ else "(\w+)")?', source))
    actions = {a for pair in recorded for a in pair if a}
    actions |= {control[-1] for control in broadcasts.CONTROLS.values()}  # named in a table, not in the call
    assert len(actions) >= 10 and actions <= ACTIONS.keys(), actions - ACTIONS.keys()


async def test_the_help_desk_is_in_the_menu_of_support_and_admins_and_closed_to_the_office(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, "admin")
    home = (await client.get("/")).text
    assert 'href="/support"' in home and 'href="/announcements"' in home
    assert (await client.get("/support")).status_code == 200
    await client.post("/logout", data={"csrf": re.search(r'name="csrf" value="([0-9a-f]+)"', home).group(1)})  # type: ignore[union-attr]
    await sign_in(client, "kantor")
    assert 'href="/support"' not in (await client.get("/")).text
    assert (await client.get("/support")).status_code == 403


async def _ask(client: httpx.AsyncClient, question: str, chat_id: int = 5501) -> int:
    """A ticket as the bot opens it (the applicant's side is tests/bot/test_helpdesk.py's)."""
    runtime = _runtime(client)
    context = {"step": None, "account": {"name": "SITI RAHMAWATI", "nik": "3174********0001"}}
    ticket = await helpdesk.escalate(runtime.uow, chat_id, None, None, "id", question, context, runtime.clock.now())
    return ticket.id


async def test_support_answers_a_question_and_the_answer_is_on_its_way_to_the_chat(client: httpx.AsyncClient) -> None:
    ticket = await _ask(client, "nik saya ditolak terus, padahal sudah sesuai ktp")
    csrf = await sign_in(client, "bantuan")
    queue = (await client.get("/support")).text
    assert f'href="/support/{ticket}"' in queue and "nik saya ditolak terus" in queue
    page = (await client.get(f"/support/{ticket}")).text
    assert "SITI RAHMAWATI" in page and "3174********0001" in page and "Menunggu kita" in page
    empty = await client.post(f"/support/{ticket}/answer", data={"csrf": csrf, "text": "   "})
    assert empty.status_code == 422 and "Tulis jawabannya dulu." in empty.text
    sent = await client.post(f"/support/{ticket}/answer", data={"csrf": csrf, "text": "Coba cek digit ke-7 sampai 12."})
    assert sent.status_code == 303
    page = (await client.get(sent.headers["location"])).text
    assert "Jawaban terkirim" in page and "Coba cek digit ke-7 sampai 12." in page and "Menunggu pemohon" in page
    runtime = _runtime(client)
    async with runtime.engine.connect() as conn:
        rows = (await conn.execute(select(outbox.c.chat_id, outbox.c.state))).all()
    assert [(r.chat_id, r.state) for r in rows] == [(5501, "pending")]
    assert "Menunggu pemohon (1)" in (await client.get("/support?state=answered")).text


async def test_a_closed_ticket_takes_no_answer_until_it_is_reopened(client: httpx.AsyncClient) -> None:
    ticket = await _ask(client, "bisa ganti jadwal?")
    csrf = await sign_in(client, "bantuan")
    assert (await client.post(f"/support/{ticket}/close", data={"csrf": csrf})).status_code == 303
    page = (await client.get(f"/support/{ticket}")).text
    assert f'action="/support/{ticket}/reopen"' in page and f'action="/support/{ticket}/answer"' not in page
    refused = await client.post(f"/support/{ticket}/answer", data={"csrf": csrf, "text": "Satu lagi"})
    assert refused.status_code == 409 and "Buka lagi untuk menjawab lagi" in refused.text
    assert (await client.post(f"/support/{ticket}/reopen", data={"csrf": csrf})).status_code == 303
    again = await client.post(f"/support/{ticket}/answer", data={"csrf": csrf, "text": "Satu lagi"})
    assert again.status_code == 303
    assert (await client.get("/support/999999")).status_code == 404


async def test_a_released_date_is_called_open_as_the_bot_says_it(client: httpx.AsyncClient) -> None:
    await sign_in(client)
    page = (await client.get("/offices/TST", params={"day": NEXT_MONDAY.isoformat()})).text
    assert "Dibuka" in page and "irilis" not in page


async def test_production_tells_browsers_to_use_https_only_and_development_does_not(
    sqlite_template: Path, tmp_path: Path, client: httpx.AsyncClient
) -> None:
    assert "strict-transport-security" not in (await client.get("/login")).headers  # the test app: plain HTTP
    path = tmp_path / "production.sqlite3"
    shutil.copy(sqlite_template, path)
    settings = Settings(database_url=f"sqlite:///{path}", environment="production", secret_key="a-real-secret-" * 3)
    app = staff_app(settings, passwords=Passwords(time_cost=1, memory_kib=8192))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="https://staff.test") as production,
    ):
        for path_ in ("/login", "/static/staff.css", "/api/me"):
            response = await production.get(path_)
            assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains", path_


def _runtime(client: httpx.AsyncClient) -> Runtime:
    return client._transport.app.state.staff.runtime  # type: ignore[attr-defined,no-any-return]


async def test_support_makes_an_answer_an_faq_entry_and_the_bot_answers_with_it(client: httpx.AsyncClient) -> None:
    ticket = await _ask(client, "apakah boleh datang lebih awal dari jam kedatangan")
    csrf = await sign_in(client, "bantuan")
    assert 'id="make-faq"' not in (await client.get(f"/support/{ticket}")).text  # nothing answered yet
    said = "Boleh datang sampai 30 menit lebih awal; antrean tetap menurut jam kedatangan Anda."
    await client.post(f"/support/{ticket}/answer", data={"csrf": csrf, "text": said})
    assert f'href="/support/faq/new?ticket={ticket}"' in (await client.get(f"/support/{ticket}")).text
    form = (await client.get(f"/support/faq/new?ticket={ticket}")).text
    assert 'value="apakah boleh datang lebih awal dari jam kedatangan"' in form and said in form
    fields = {
        "csrf": csrf, "ticket": str(ticket), "question_id": "Bolehkah datang lebih awal?", "answer_id": said,
        "question_en": "May I come earlier?", "answer_en": "", "asked": "datang lebih awal\ndatang duluan",
    }  # fmt: skip
    refused = await client.post("/support/faq", data=fields)
    assert refused.status_code == 422 and "Tulis jawabannya juga dalam English" in refused.text
    assert "Bolehkah datang lebih awal?" in refused.text and "datang duluan" in refused.text  # nothing typed is lost
    fields["answer_en"] = "You may come up to 30 minutes early; the queue still follows your arrival time."
    saved = await client.post("/support/faq", data=fields)
    assert saved.status_code == 303
    listed = (await client.get(saved.headers["location"])).text
    assert "Entri FAQ tersimpan" in listed and "Bolehkah datang lebih awal?" in listed and f"#{ticket}" in listed
    library = await _runtime(client).help.library()
    answer = library.index.ask("boleh dateng lebih awal gk min")
    assert answer.confident and answer.best is not None and answer.best.topic.key == "entry-1"
    tried = (await client.get("/support/faq", params={"q": "can i come earlier"})).text
    assert "May I come earlier?" in tried.split('id="tried"')[1].split("</li>")[0]


async def test_a_retired_entry_leaves_the_help_and_an_office_cannot_write_one(client: httpx.AsyncClient) -> None:
    runtime = _runtime(client)
    csrf = await sign_in(client, "bantuan")
    fields = {
        "csrf": csrf, "question_id": "Apakah ada parkir motor?", "answer_id": "Ada, di belakang gedung.",
        "question_en": "Is there motorbike parking?", "answer_en": "Yes, behind the building.", "asked": "",
    }  # fmt: skip
    assert (await client.post("/support/faq", data=fields)).status_code == 303
    assert (await runtime.help.library()).topic("entry-1") is not None
    page = (await client.get("/support/faq/1")).text
    assert 'action="/support/faq/1/retire"' in page
    fields["answer_id"] = "Ada, di belakang gedung, gratis."
    assert (await client.post("/support/faq/1", data=fields)).status_code == 303
    runtime.help.REFRESH_SECONDS = 0  # this test does not wait out the other processes' delay
    assert "gratis" in (await runtime.help.library()).topic("entry-1").answer_in("id", str)  # type: ignore[union-attr]
    assert (await client.post("/support/faq/1/retire", data={"csrf": csrf})).status_code == 303
    assert (await runtime.help.library()).topic("entry-1") is None
    assert "Entri yang ditarik (1)" in (await client.get("/support/faq")).text
    assert (await client.get("/support/faq/99")).status_code == 404
    await client.post("/logout", data={"csrf": csrf})
    csrf = await sign_in(client, "kantor")
    assert (await client.get("/support/faq")).status_code == 403
    assert (await client.post("/support/faq", data={**fields, "csrf": csrf})).status_code == 403


async def test_unanswered_questions_are_grouped_and_an_entry_or_setting_aside_settles_them(
    client: httpx.AsyncClient,
) -> None:
    runtime = _runtime(client)
    now = runtime.clock.now()
    for chat, text in enumerate(
        ["parkir motor dimana ya", "parkiran motor ada gak", "PARKIR MOTOR DI MANA", "jam buka kantin?"], 7001
    ):
        await faq.record_unanswered(runtime.uow(), chat, "id", text, "unsure", None, now)
    await faq.record_unanswered(runtime.uow(), 7009, "id", "kapan kuota dibuka?", "not_helped", "opening", now)
    csrf = await sign_in(client, "bantuan")
    page = (await client.get("/support/questions")).text
    groups = page.split('class="card group"')[1:]
    assert len(groups) == 3 and "Ditanyakan 3 kali" in groups[0] and "parkir motor dimana ya" in groups[0]
    assert "jam buka kantin?" in groups[1]
    assert "topik terdekat: Kapan kuota baru dibuka?" in groups[2] and "jawabannya tidak membantu" in groups[2]
    ids = re.search(r'name="questions" value="([0-9,]+)"', groups[0])
    assert ids is not None and len(ids.group(1).split(",")) == 3
    form = (await client.get(f"/support/faq/new?questions={ids.group(1)}")).text
    assert 'value="parkir motor dimana ya"' in form and "PARKIR MOTOR DI MANA" in form
    fields = {
        "csrf": csrf, "questions": ids.group(1), "question_id": "Di mana parkir motor?", "answer_id": "Di belakang.",
        "question_en": "Where do I park a motorbike?", "answer_en": "Behind the building.", "asked": "parkir motor",
    }  # fmt: skip
    assert (await client.post("/support/faq", data=fields)).status_code == 303
    page = (await client.get("/support/questions")).text
    assert "parkir motor" not in page and "jam buka kantin?" in page
    for ids in re.findall(r'name="questions" value="([0-9,]+)"', page):
        done = await client.post("/support/questions/set-aside", data={"csrf": csrf, "questions": ids})
        assert done.status_code == 303
    assert "Tidak ada yang menunggu" in (await client.get("/support/questions")).text


async def test_a_ticket_says_in_words_where_the_applicant_was_and_the_last_refusal_they_read(
    client: httpx.AsyncClient,
) -> None:
    runtime = _runtime(client)
    context = {
        "step": "Booking:slot",
        "refusal": {"code": "slot_full", "text": "Jam itu sudah penuh.", "at": "2026-11-27T07:05:00+00:00"},
        "booking": {"code": "K7PM-Q3XA", "status": "cancelled_by_office"},
    }
    ticket = await helpdesk.escalate(runtime.uow, 5502, None, None, "id", "kok penuh", context, runtime.clock.now())
    await sign_in(client, "bantuan")
    page = (await client.get(f"/support/{ticket.id}")).text
    assert "memesan: memilih jam kedatangan" in page and "Booking:slot" not in page
    assert "“Jam itu sudah penuh.”" in page and "27 Nov 2026 14:05 WIB" in page and "dibatalkan oleh kantor" in page


async def test_an_answer_written_while_the_applicant_wrote_again_waits_until_staff_have_read_it(
    client: httpx.AsyncClient,
) -> None:
    runtime = _runtime(client)
    ticket = await _ask(client, "bisa ganti jadwal?", chat_id=5503)
    csrf = await sign_in(client, "bantuan")
    page = (await client.get(f"/support/{ticket}")).text
    seen = re.search(r'name="seen" value="(\d+)"', page)
    assert seen is not None
    await helpdesk.applicant_writes(
        runtime.uow(), 5503, "oh iya, saya sudah dapat jadwal baru", runtime.clock.now(), reply=False
    )
    typed = "Bisa, lewat menu Pesanan saya."
    stale = await client.post(f"/support/{ticket}/answer", data={"csrf": csrf, "text": typed, "seen": seen.group(1)})
    assert stale.status_code == 409 and "Pemohon menulis lagi" in stale.text
    assert "oh iya, saya sudah dapat jadwal baru" in stale.text and typed in stale.text  # read it; nothing lost
    closing = await client.post(f"/support/{ticket}/close", data={"csrf": csrf, "seen": seen.group(1)})
    assert closing.status_code == 409
    fresh = re.search(r'name="seen" value="(\d+)"', stale.text)
    assert fresh is not None and int(fresh.group(1)) > int(seen.group(1))
    done = await client.post(f"/support/{ticket}/close", data={"csrf": csrf, "seen": fresh.group(1)})
    assert done.status_code == 303


@pytest.mark.parametrize("ids", ["²", "1,²,3", "9" * 40, "-1", "1e3", ",,"])
async def test_question_lists_in_forms_that_are_not_numbers_are_left_out_not_a_500(
    client: httpx.AsyncClient, ids: str
) -> None:
    csrf = await sign_in(client, "bantuan")
    assert (await client.get("/support/faq/new", params={"questions": ids})).status_code == 200
    done = await client.post("/support/questions/set-aside", data={"csrf": csrf, "questions": ids})
    assert done.status_code == 303


def test_a_ticket_names_every_step_of_the_conversation_and_every_booking_status_in_the_staffs_words() -> None:
    from tests.bot.test_states import _all_states

    assert {s.state for s in _all_states()} - set(STEPS) == set()
    assert {s.value for s in BookingStatus} - set(STATUSES) == set()


async def test_an_office_turned_to_draw_shows_its_draw_and_publishes_it_for_anyone_to_verify(
    client: httpx.AsyncClient, clock: FixedClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from antrean.cli import main
    from core.crypto import Vault
    from core.domain import draw as procedure
    from core.services import fair_opening, release
    from tests.conftest import JAKARTA
    from tests.factories import register

    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=JAKARTA))  # a Monday: Friday's opening is days away
    csrf = await sign_in(client)
    turned = await client.post("/offices/TST/opening", data={"csrf": csrf, "fair": "true"})
    assert turned.status_code == 303 and turned.headers["location"] == "/offices/TST/template?done=opening"
    assert 'name="fair" value="true" checked' in (await client.get("/offices/TST/template")).text
    runtime = _runtime(client)
    await release.schedule_weekly_release(runtime.uow(), clock.now())
    await fair_opening.prepare(runtime.uow, clock.now())
    page = (await client.get("/offices/TST")).text
    public = httpx.AsyncClient(transport=client._transport, base_url="http://anyone.test")
    draw = (await public.get("/api/draws/TST")).json()  # no sign-in
    assert draw["state"] == "open" and draw["seed"] is None and draw["registrations"] is None
    assert "Pendaftaran dibuka sampai" in page and draw["commitment"] in page
    # A family registers; the list is frozen and published; the draw runs and reveals its seed.
    account = await register(runtime, Vault(SECRET), 7001)
    async with runtime.reader() as uow:
        office = await uow.offices.get("TST")
    assert office is not None and office.id is not None
    days = [date.fromisoformat(d) for d in draw["days"]]
    await fair_opening.register(
        runtime.uow(), account.id, office.id, [account.applicants[0].id], ["new"], days[0], days[-1], clock.now()
    )
    clock.set(datetime(2026, 12, 4, 12, 0, tzinfo=JAKARTA))
    await fair_opening.run(runtime.uow, runtime.desk, clock)
    frozen = (await public.get("/api/draws/TST")).json()
    assert frozen["state"] == "frozen" and len(frozen["registrations"]) == 1 and frozen["seed"] is None
    await sign_in(client)  # days later: the morning's session is over
    assert frozen["digest"] in (await client.get("/offices/TST")).text
    clock.set(datetime(2026, 12, 4, 14, 0, tzinfo=JAKARTA))
    await fair_opening.run(runtime.uow, runtime.desk, clock)
    drawn = (await public.get("/api/draws/TST")).json()
    assert drawn["state"] == "drawn" and drawn["order"] == [1]
    assert procedure.commitment(drawn["seed"]) == drawn["commitment"]
    published = tmp_path / "draw.json"
    published.write_text((await public.get("/api/draws/TST")).text)
    assert main(["draw", "verify", str(published)]) == 0  # what the office publishes, the CLI repeats
    assert all(line.startswith("✓ ") for line in capsys.readouterr().out.splitlines())
    assert (await public.get("/api/draws/NOPE")).status_code == 404


async def test_support_allows_a_ticket_s_booking_to_move_to_another_office_once(client: httpx.AsyncClient) -> None:
    from core.crypto import Vault
    from tests.factories import register, slot_ids

    runtime = _runtime(client)
    account = await register(runtime, Vault(SECRET), 5502)
    async with runtime.reader() as uow:
        office = await uow.offices.get("TST")
    assert office is not None
    (slot, *_) = await slot_ids(runtime, office, NEXT_MONDAY)
    hold = await runtime.desk.hold(account.id, slot, [account.applicants[0].id], ["new"], "k")
    booked = await runtime.desk.confirm(account.id, hold.booking_id)
    context = {"booking": {"code": booked.code, "office": "TST", "status": "confirmed"}}
    now = runtime.clock.now()
    ticket = await helpdesk.escalate(runtime.uow, 5502, account.id, None, "id", "saya pindah ke Bali", context, now)
    csrf = await sign_in(client, "bantuan")
    page = (await client.get(f"/support/{ticket.id}")).text
    assert f'action="/support/{ticket.id}/allow-move"' in page
    assert "Izinkan pesanan ini dipindah ke kantor lain" in page
    allowed = await client.post(f"/support/{ticket.id}/allow-move", data={"csrf": csrf})
    assert allowed.status_code == 303 and allowed.headers["location"].endswith("done=move_allowed")
    assert (
        "Diizinkan: pemohon kini bisa memindah pesanan ini ke kantor lain"
        in (await client.get(allowed.headers["location"])).text
    )
    async with runtime.reader() as uow:
        record = await uow.bookings.get(booked.booking_id)
    assert record is not None and record.move_anywhere
    await runtime.desk.cancel(account.id, booked.booking_id)  # nothing left that may move
    refused = await client.post(f"/support/{ticket.id}/allow-move", data={"csrf": csrf})
    assert refused.status_code == 409 and "tidak bisa dipindah lagi" in refused.text
