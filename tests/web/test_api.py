"""The staff JSON API over HTTP, on SQLite and PostgreSQL; each test runs in its own rolled-back transaction.

The app is the real one (staff_app, its lifespan run); only where its units of work come from is changed: every
unit joins the test's open connection as a savepoint, and the test's end rolls the whole transaction back.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.workers import free_port
from core.clock import FixedClock
from core.config import Settings
from core.documents.signing import ProofClaim, sign_proof
from core.domain.booking import format_booking_code
from core.domain.offices import Office
from core.domain.staff import Role
from core.persistence import tables as t
from core.services import announcements
from tests.conftest import JAKARTA, NEXT_MONDAY, SECRET
from tests.factories import sample_office
from tests.web.api_support import (
    PASSWORD,
    PASSWORDS,
    Booked,
    Units,
    add_member,
    add_office,
    bearer,
    confirmed_booking,
    joined_units,
    login_form,
    release_days,
)
from web.deps import WebContext
from web.security import SESSION_COOKIE
from web.staff_app import staff_app

MONDAY = NEXT_MONDAY.isoformat()
MONDAY_MORNING = datetime(2026, 11, 30, 8, 5, tzinfo=JAKARTA)
TUESDAY = (NEXT_MONDAY + timedelta(days=1)).isoformat()
WEDNESDAY = (NEXT_MONDAY + timedelta(days=2)).isoformat()


@dataclass
class Desk:
    """The app over HTTP, with the test's transaction and the data seeded in it."""

    app: FastAPI
    client: httpx.AsyncClient
    ctx: WebContext
    conn: AsyncConnection
    units: Units
    clock: FixedClock
    tst: Office

    async def as_(self, username: str) -> dict[str, str]:
        """Headers that sign the request in as this member (a bearer token from /api/token)."""
        return await bearer(self.client, username)

    async def booking(self, family: int = 1) -> Booked:
        """A confirmed booking at TST next Monday 08:00, written in this test's transaction."""
        return await confirmed_booking(
            self.conn, self.units, self.ctx.runtime.vault, self.tst, NEXT_MONDAY, time(8), family=family,
            now=self.clock.now(),
        )  # fmt: skip


@pytest.fixture
async def desk(database_url: str, clock: FixedClock) -> AsyncIterator[Desk]:
    """Two offices (TST with next Monday released), one member of each role, all rolled back at the end."""
    settings = Settings(database_url=database_url, environment="test", secret_key=SECRET)
    app = staff_app(settings, clock=clock, passwords=PASSWORDS)
    async with app.router.lifespan_context(app):
        ctx: WebContext = app.state.staff
        async with ctx.runtime.engine.connect() as conn:
            transaction = await conn.begin()
            units = joined_units(conn)
            ctx.units = units
            try:
                now = clock.now()
                tst = await add_office(units, sample_office("TST", capacity=10))
                await add_office(units, sample_office("OTH"))
                await release_days(units, tst, [NEXT_MONDAY], now)
                await add_member(units, "admin", Role.ADMIN, now=now)
                await add_member(units, "kantor", Role.OFFICE, "TST", now=now)
                await add_member(units, "loket", Role.COUNTER, "TST", now=now)
                await add_member(units, "bantuan", Role.SUPPORT, now=now)
                await add_member(units, "lain", Role.OFFICE, "OTH", now=now)
                transport = httpx.ASGITransport(app)
                async with httpx.AsyncClient(transport=transport, base_url="http://staff.test") as client:
                    yield Desk(app, client, ctx, conn, units, clock, tst)
            finally:
                await transaction.rollback()


# --- Signing in --------------------------------------------------------------------------------------------------


UNSIGNED = [
    ("GET", "/api/me"),
    ("GET", "/api/offices"),
    ("GET", f"/api/offices/TST/days/{MONDAY}"),
    ("GET", f"/api/offices/TST/days/{MONDAY}/list.pdf"),
    ("POST", "/api/offices/TST/release"),
    ("GET", "/api/staff"),
    ("GET", "/api/audit"),
]


async def test_a_request_without_a_token_or_cookie_is_refused_with_401(desk: Desk) -> None:
    for method, path in UNSIGNED:
        response = await desk.client.request(method, path, json={"days": [TUESDAY]})
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
        forged = await desk.client.request(method, path, headers={"Authorization": "Bearer not-a-token"})
        assert forged.status_code == 401, path


async def test_the_password_flow_gives_a_bearer_token_that_says_who_is_asking(desk: Desk) -> None:
    response = await desk.client.post("/api/token", data={"username": "Kantor", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()
    assert token["token_type"] == "bearer" and token["expires_in"] > 0
    me = await desk.client.get("/api/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200
    body = me.json()
    assert (body["username"], body["role"], body["offices"], body["every_office"]) == (
        "kantor",
        "office",
        ["TST"],
        False,
    )
    assert set(body["permissions"]) == {"manage_quota", "view_day", "check_in", "correct_data", "broadcast"}
    assert body["csrf_token"] is None  # a bearer token needs none


async def test_five_wrong_passwords_make_the_next_try_wait_with_429(desk: Desk) -> None:
    for _ in range(5):
        wrong = await desk.client.post("/api/token", data={"username": "kantor", "password": "salah-kata-sandi"})
        assert wrong.status_code == 401
    throttled = await desk.client.post("/api/token", data={"username": "kantor", "password": PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    # Counted per username and address: another account signing in from the same address is not held up.
    assert (await desk.client.post("/api/token", data={"username": "loket", "password": PASSWORD})).status_code == 200


async def test_a_username_no_account_can_have_is_refused_like_a_wrong_password(desk: Desk) -> None:
    # A NUL cannot even be sent to PostgreSQL: the name must be turned away before any query, as a plain 401.
    for name in ("kan\x00tor", "x", "k" * 65):
        response = await desk.client.post("/api/token", data={"username": name, "password": PASSWORD})
        assert response.status_code == 401, name


async def test_a_cookie_session_needs_the_csrf_header_for_a_change_and_works_with_it(desk: Desk) -> None:
    form = await login_form(desk.client)
    login = await desk.client.post("/login", data={"username": "kantor", "password": PASSWORD, **form})
    assert login.status_code == 303 and desk.client.cookies.get(SESSION_COOKIE)
    me = await desk.client.get("/api/me")
    assert me.status_code == 200
    csrf = me.json()["csrf_token"]
    assert csrf
    path = f"/api/offices/TST/days/{TUESDAY}/slots/08:00"
    refused = await desk.client.put(path, json={"capacity": 4})
    assert refused.status_code == 403
    wrong = await desk.client.put(path, json={"capacity": 4}, headers={"X-CSRF-Token": "0" * 32})
    assert wrong.status_code == 403
    saved = await desk.client.put(path, json={"capacity": 4}, headers={"X-CSRF-Token": csrf})
    assert saved.status_code == 200 and saved.json()["capacity"] == 4


async def test_a_turned_off_account_is_refused_at_once_and_cannot_sign_in_again(desk: Desk) -> None:
    clerk = await desk.as_("kantor")
    admin = await desk.as_("admin")
    people = (await desk.client.get("/api/staff", headers=admin)).json()
    clerk_id = next(p["id"] for p in people if p["username"] == "kantor")
    off = await desk.client.post(f"/api/staff/{clerk_id}/active", json={"active": False}, headers=admin)
    assert off.status_code == 204
    assert (await desk.client.get("/api/me", headers=clerk)).status_code == 401
    again = await desk.client.post("/api/token", data={"username": "kantor", "password": PASSWORD})
    assert again.status_code == 401


# --- Offices and quota ---------------------------------------------------------------------------------------------


async def test_offices_are_listed_for_the_member_who_works_there(desk: Desk) -> None:
    own = (await desk.client.get("/api/offices", headers=await desk.as_("kantor"))).json()
    assert [o["code"] for o in own] == ["TST"]
    office = own[0]
    assert (office["timezone"], office["zone_label"], office["working_days"]) == (
        "Asia/Jakarta",
        "WIB",
        ["mon", "tue", "wed", "thu", "fri"],
    )
    assert office["slots"] == [
        {"start": "08:00", "end": "09:00", "capacity": 10},
        {"start": "09:00", "end": "10:00", "capacity": 10},
    ]
    every = (await desk.client.get("/api/offices", headers=await desk.as_("bantuan"))).json()
    assert {o["code"] for o in every} == {"TST", "OTH"}


async def test_the_live_view_counts_booked_and_free_places_per_slot(desk: Desk) -> None:
    await desk.booking(family=2)
    response = await desk.client.get(f"/api/offices/tst/days/{MONDAY}", headers=await desk.as_("kantor"))
    assert response.status_code == 200
    board = response.json()
    assert board["office_code"] == "TST" and board["closed"] is None
    first = board["slots"][0]
    assert first == {
        "start": "08:00", "end": "09:00", "capacity": 10, "held": 0, "booked": 3, "free": 7, "released": True,
        "arrived": 0,
    }  # fmt: skip
    assert board["totals"] == {"capacity": 20, "held": 0, "booked": 3, "free": 17, "arrived": 0}
    # Instants in the office's zone, with the offset.
    assert board["bookable_from"] == "2026-11-27T15:00:00+07:00"
    assert board["bookable_until"] == "2026-11-30T00:00:00+07:00"


async def test_a_weekend_shows_why_it_is_closed(desk: Desk) -> None:
    saturday = (NEXT_MONDAY - timedelta(days=2)).isoformat()
    board = (await desk.client.get(f"/api/offices/TST/days/{saturday}", headers=await desk.as_("kantor"))).json()
    assert board["closed"] == {"kind": "weekend", "name": ""}
    assert board["bookable_from"] is None and all(not s["released"] for s in board["slots"])


async def test_office_staff_change_their_offices_quota_and_every_change_is_audited(desk: Desk) -> None:
    clerk = await desk.as_("kantor")
    template = await desk.client.put(
        "/api/offices/TST/template",
        json={"slots": [{"start": "08:00", "end": "09:30", "capacity": 12}, {"start": "10:00", "end": "11:00",
                                                                               "capacity": 0}]},
        headers=clerk,
    )  # fmt: skip
    assert template.status_code == 200
    assert template.json()["slots"][0] == {"start": "08:00", "end": "09:30", "capacity": 12}

    capacity = await desk.client.put(
        f"/api/offices/TST/days/{TUESDAY}/slots/08:00", json={"capacity": 5}, headers=clerk
    )
    assert capacity.json() == {"day": TUESDAY, "start": "08:00", "capacity": 5, "released": False}

    released = await desk.client.post("/api/offices/TST/release", json={"days": [TUESDAY]}, headers=clerk)
    assert released.status_code == 200
    assert released.json() == {
        "office_code": "TST",
        "days": [TUESDAY],
        "bookable_from": "2026-11-27T15:00:00+07:00",
        "bookable_until": "2026-12-01T00:00:00+07:00",
    }
    board = (await desk.client.get(f"/api/offices/TST/days/{TUESDAY}", headers=clerk)).json()
    assert [(s["start"], s["capacity"], s["released"]) for s in board["slots"]] == [("08:00", 5, True)]

    closed = await desk.client.post(f"/api/offices/TST/days/{WEDNESDAY}/close", json={"reason": "rapat"}, headers=clerk)
    assert closed.json() == {
        "office_code": "TST", "day": WEDNESDAY, "emptied_slots": 0, "cancelled": [], "applicants": 0
    }  # fmt: skip
    board = (await desk.client.get(f"/api/offices/TST/days/{WEDNESDAY}", headers=clerk)).json()
    assert board["closed"] == {"kind": "office", "name": "rapat"}

    log = await desk.client.get("/api/audit", headers=await desk.as_("admin"))
    entries = log.json()["entries"]
    assert [(e["action"], e["actor"], e["office_code"]) for e in entries] == [
        ("date_closed", "kantor", "TST"),
        ("released", "kantor", "TST"),
        ("capacity_set", "kantor", "TST"),
        ("slot_template_set", "kantor", "TST"),
    ] + [("staff_created", "command-line", None)] * 5 + [("released", "command-line", "TST")]
    assert entries[0]["reason"] == "rapat" and entries[2]["after"] == {"capacity": 5}
    assert entries[0]["at"] == "2026-11-27T08:00:00Z"
    older = await desk.client.get("/api/audit", params={"limit": 2}, headers=await desk.as_("admin"))
    page = older.json()
    assert len(page["entries"]) == 2 and page["next_before_id"] == page["entries"][-1]["id"]
    rest = await desk.client.get(
        "/api/audit", params={"before_id": page["next_before_id"]}, headers=await desk.as_("admin")
    )
    assert rest.json()["entries"][0]["action"] == "capacity_set" and rest.json()["next_before_id"] is None


async def test_the_help_desk_may_look_at_a_day_but_not_change_its_quota(desk: Desk) -> None:
    support = await desk.as_("bantuan")
    assert (await desk.client.get(f"/api/offices/TST/days/{MONDAY}", headers=support)).status_code == 200
    changes: list[tuple[str, str, dict[str, Any]]] = [
        ("PUT", f"/api/offices/TST/days/{TUESDAY}/slots/08:00", {"capacity": 3}),
        ("PUT", "/api/offices/TST/template", {"slots": [{"start": "08:00", "end": "09:00", "capacity": 1}]}),
        ("POST", "/api/offices/TST/release", {"days": [TUESDAY]}),
        ("POST", f"/api/offices/TST/days/{TUESDAY}/close", {"reason": "x"}),
    ]
    for method, path, body in changes:
        response = await desk.client.request(method, path, json=body, headers=support)
        assert response.status_code == 403, path
        assert response.json()["error"] == "not_allowed"
    log = (await desk.client.get("/api/audit", headers=await desk.as_("admin"))).json()
    assert {e["action"] for e in log["entries"]} == {"staff_created", "released"}


async def test_staff_of_one_office_are_refused_another_offices_data(desk: Desk) -> None:
    elsewhere = await desk.as_("lain")
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", f"/api/offices/TST/days/{MONDAY}", None),
        ("GET", f"/api/offices/TST/days/{MONDAY}/list", None),
        ("GET", f"/api/offices/TST/days/{MONDAY}/list.pdf", None),
        ("PUT", f"/api/offices/TST/days/{TUESDAY}/slots/08:00", {"capacity": 3}),
        ("POST", "/api/offices/TST/checkins/inspect", {"text": "K7PM-Q3XA"}),
    ]
    for method, path, body in requests:
        response = await desk.client.request(method, path, json=body, headers=elsewhere)
        assert response.status_code == 403, path
        assert response.json()["error"] == "not_allowed"
    own = await desk.client.get(f"/api/offices/OTH/days/{MONDAY}", headers=elsewhere)
    assert own.status_code == 200


async def test_an_office_that_does_not_exist_is_404(desk: Desk) -> None:
    response = await desk.client.get(f"/api/offices/NOPE/days/{MONDAY}", headers=await desk.as_("admin"))
    assert response.status_code == 404 and response.json()["error"] == "office_not_found"


async def test_a_staff_account_or_booking_that_does_not_exist_is_404(desk: Desk) -> None:
    admin = await desk.as_("admin")
    account = await desk.client.post("/api/staff/4242/active", json={"active": False}, headers=admin)
    assert account.status_code == 404 and account.json()["error"] == "staff_not_found"
    name = await desk.client.post(
        "/api/bookings/ZZZZ-ZZZZ/applicants/1/name", json={"full_name": "Siapa Saja", "reason": "uji coba"},
        headers=await desk.as_("bantuan"),
    )  # fmt: skip
    assert name.status_code == 404 and name.json()["error"] == "booking_not_found"


async def test_an_office_code_in_small_letters_finds_the_office(desk: Desk) -> None:
    clerk = await desk.as_("kantor")
    path = f"/api/offices/tst/days/{TUESDAY}/slots/08:00"
    response = await desk.client.put(path, json={"capacity": 3}, headers=clerk)
    assert response.status_code == 200 and response.json()["capacity"] == 3


async def test_refusals_say_why_in_the_requests_language(desk: Desk) -> None:
    clerk = await desk.as_("kantor")
    path = "/api/offices/TST/days/2026-11-27/slots/08:00"
    indonesian = await desk.client.put(path, json={"capacity": 3}, headers=clerk)
    assert indonesian.status_code == 422
    assert indonesian.json()["error"] == "date_not_bookable"
    assert "2026-11-27 adalah hari ini atau sudah lewat" in indonesian.json()["detail"]
    english = await desk.client.put(path, json={"capacity": 3}, headers=clerk | {"Accept-Language": "en-GB"})
    assert "2026-11-27 is today or already past" in english.json()["detail"]


async def test_a_booked_date_is_closed_only_with_consent_and_a_reason_and_its_bookings_are_cancelled(
    desk: Desk,
) -> None:
    form = await login_form(desk.client)
    await desk.client.post("/login", data={"username": "kantor", "password": PASSWORD, **form})
    empty = (await desk.client.get("/offices/TST", params={"day": TUESDAY})).text
    assert 'name="cancel_bookings"' not in empty  # nobody booked: closing asks only for the reason
    booked = await desk.booking(family=1)
    page = (await desk.client.get("/offices/TST", params={"day": MONDAY})).text
    assert "Pemohon yang memesan tanggal ini: 2." in page
    assert 'name="cancel_bookings"' in page and "Batalkan pesanan 2 pemohon dan beri tahu pemiliknya" in page
    clerk = await desk.as_("kantor")
    path = f"/api/offices/TST/days/{MONDAY}/close"
    refused = await desk.client.post(path, json={"reason": "rapat"}, headers=clerk)
    assert refused.status_code == 409 and "pastikan pesanan mereka dibatalkan" in refused.json()["detail"]
    no_reason = await desk.client.post(path, json={"reason": "", "cancel_bookings": True}, headers=clerk)
    assert no_reason.status_code == 422 and "Isi alasannya" in no_reason.json()["detail"]
    closed = await desk.client.post(path, json={"reason": "banjir", "cancel_bookings": True}, headers=clerk)
    assert closed.status_code == 200
    assert closed.json() == {
        "office_code": "TST", "day": MONDAY, "emptied_slots": 2, "cancelled": [booked.code], "applicants": 2
    }  # fmt: skip
    board = (await desk.client.get(f"/api/offices/TST/days/{MONDAY}", headers=clerk)).json()
    assert board["closed"] == {"kind": "office", "name": "banjir"}
    assert [(s["capacity"], s["booked"]) for s in board["slots"]] == [(0, 0), (0, 0)]


async def test_a_released_slot_cannot_shrink_below_its_booked_places(desk: Desk) -> None:
    await desk.booking(family=2)
    response = await desk.client.put(
        f"/api/offices/TST/days/{MONDAY}/slots/08:00", json={"capacity": 2}, headers=await desk.as_("kantor")
    )
    # Today is Friday: Monday can still change, but not below the 3 places taken.
    assert response.status_code == 409 and response.json()["error"] == "capacity_below_taken"


# --- The daily list ----------------------------------------------------------------------------------------------


async def test_the_counter_sees_whole_niks_and_office_staff_see_them_masked(desk: Desk) -> None:
    booked = await desk.booking(family=1)
    path = f"/api/offices/TST/days/{MONDAY}/list"
    masked = (await desk.client.get(path, headers=await desk.as_("kantor"))).json()
    whole = (await desk.client.get(path, headers=await desk.as_("loket"))).json()
    [booking] = masked["slots"][0]["bookings"]
    assert booking["code"] == booked.code and booking["status"] == "confirmed"
    assert [a["position"] for a in booking["applicants"]] == [1, 2]
    assert not masked["full_nik"] and all("*" in a["nik"] for a in booking["applicants"])
    counter = whole["slots"][0]["bookings"][0]["applicants"]
    assert whole["full_nik"] and all(a["nik"].isdigit() and len(a["nik"]) == 16 for a in counter)
    assert masked["slots"][1] == {"start": "09:00", "end": "10:00", "capacity": 10, "bookings": []}
    assert masked["printed_at"] == "2026-11-27T15:00:00+07:00"


async def test_the_printed_list_is_a_pdf_that_lists_the_booking(desk: Desk) -> None:
    booked = await desk.booking()
    response = await desk.client.get(f"/api/offices/TST/days/{MONDAY}/list.pdf", headers=await desk.as_("kantor"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'inline; filename="daftar-TST-{MONDAY}.pdf"'
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert format_booking_code(booked.code) in text
    assert "Pemohon Utama".upper() in text.upper()


# --- Check-in and corrections --------------------------------------------------------------------------------------


async def test_a_signed_proof_checks_in_on_its_day_once_and_the_second_time_is_refused(desk: Desk) -> None:
    booked = await desk.booking(family=1)
    counter = await desk.as_("loket")
    payload = sign_proof(desk.ctx.runtime.vault.signing_key, ProofClaim(booked.code, "TST", NEXT_MONDAY, time(8), 2))

    early = (await desk.client.post("/api/offices/TST/checkins/inspect?lang=en", json={"text": payload},
                                    headers=counter)).json()  # fmt: skip
    assert early["signed"] and not early["valid"]
    assert early["problems"] == [{"code": "not_today", "detail": "This booking is not for today."}]

    desk.clock.set(MONDAY_MORNING)
    counter = await desk.as_("loket")  # three days on by the app's clock: Friday's session has expired
    verdict = (await desk.client.post("/api/offices/TST/checkins/inspect", json={"text": payload.lower()},
                                      headers=counter)).json()  # fmt: skip
    assert verdict["valid"] and verdict["code"] == booked.code and verdict["problems"] == []
    assert verdict["booking"]["start"] == "08:00" and len(verdict["booking"]["applicants"]) == 2

    arrived = await desk.client.post(
        "/api/offices/TST/checkins", json={"code": format_booking_code(booked.code), "positions": [1, 2]},
        headers=counter,
    )  # fmt: skip
    assert arrived.status_code == 200
    people = arrived.json()["booking"]["applicants"]
    assert [p["checked_in_at"] for p in people] == ["2026-11-30T08:05:00+07:00"] * 2

    again = await desk.client.post(
        "/api/offices/TST/checkins", json={"code": booked.code, "positions": [1]}, headers=counter
    )
    assert again.status_code == 409 and again.json()["error"] == "check_in_refused"
    used = (await desk.client.post("/api/offices/TST/checkins/inspect", json={"text": payload},
                                   headers=counter)).json()  # fmt: skip
    assert [p["code"] for p in used["problems"]] == ["used"]

    log = await desk.client.get("/api/audit", params={"booking_code": booked.code}, headers=await desk.as_("admin"))
    assert [(e["action"], e["actor"]) for e in log.json()["entries"]] == [("checked_in", "loket")]


async def test_an_edited_proof_is_called_forged(desk: Desk) -> None:
    booked = await desk.booking(family=1)
    payload = sign_proof(desk.ctx.runtime.vault.signing_key, ProofClaim(booked.code, "TST", NEXT_MONDAY, time(8), 2))
    response = await desk.client.post(
        "/api/offices/TST/checkins/inspect", json={"text": payload.replace(".2.", ".3.")},
        headers=await desk.as_("loket"),
    )  # fmt: skip
    verdict = response.json()
    assert [p["code"] for p in verdict["problems"]] == ["forged"] and verdict["booking"] is None
    assert "tanda tangan" in verdict["problems"][0]["detail"].lower()


async def test_corrections_need_a_reason_and_are_written_to_the_audit_log(desk: Desk) -> None:
    booked = await desk.booking(family=1)
    support = await desk.as_("bantuan")
    base = f"/api/bookings/{format_booking_code(booked.code)}/applicants"
    unexplained = await desk.client.post(f"{base}/1/name", json={"full_name": "Pemohon Benar"}, headers=support)
    assert unexplained.status_code == 422 and unexplained.json()["error"] == "reason_required"
    renamed = await desk.client.post(
        f"{base}/1/name", json={"full_name": "pemohon  benar", "reason": "salah ketik, sesuai e-KTP"}, headers=support
    )
    assert renamed.status_code == 204
    # The help desk corrects names but does not check people in, so it may not revise the application type.
    typed = await desk.client.post(
        f"{base}/2/application-type", json={"application_type": "replacement", "reason": "paspor lama"},
        headers=support,
    )  # fmt: skip
    assert typed.status_code == 403
    counter = await desk.as_("loket")
    typed = await desk.client.post(
        f"{base}/2/application-type", json={"application_type": "replacement", "reason": "paspor lama dibawa"},
        headers=counter,
    )  # fmt: skip
    assert typed.status_code == 204
    missing = await desk.client.post(f"{base}/5/name", json={"full_name": "Siapa", "reason": "uji"}, headers=counter)
    assert missing.status_code == 422 and missing.json()["error"] == "not_in_booking"

    listing = (await desk.client.get(f"/api/offices/TST/days/{MONDAY}/list", headers=counter)).json()
    people = listing["slots"][0]["bookings"][0]["applicants"]
    assert people[0]["full_name"] == "PEMOHON BENAR" and people[1]["application_type"] == "replacement"
    log = await desk.client.get(
        "/api/audit", params={"booking_code": format_booking_code(booked.code).lower()}, headers=await desk.as_("admin")
    )
    entries = log.json()["entries"]
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("application_type_revised", "loket"),
        ("name_corrected", "bantuan"),
    ]
    assert entries[1]["reason"] == "salah ketik, sesuai e-KTP" and entries[1]["after"] == {"full_name": "PEMOHON BENAR"}


# --- Staff accounts and the audit log -------------------------------------------------------------------------------


async def test_administrators_make_staff_accounts_and_nobody_else_may(desk: Desk) -> None:
    admin = await desk.as_("admin")
    account = {"username": "Petugas.Baru", "display_name": "Petugas Baru", "password": "kata-sandi-baru-1",
               "role": "counter", "offices": ["tst"]}  # fmt: skip
    made = await desk.client.post("/api/staff", json=account, headers=admin)
    assert made.status_code == 201
    assert made.json() | {"id": 0} == {
        "id": 0, "username": "petugas.baru", "display_name": "Petugas Baru", "role": "counter", "active": True,
        "offices": ["TST"],
    }  # fmt: skip
    assert (await desk.client.post("/api/staff", json=account, headers=admin)).status_code == 409
    no_office = await desk.client.post("/api/staff", json=account | {"username": "lagi", "offices": []}, headers=admin)
    assert no_office.status_code == 422 and no_office.json()["error"] == "invalid_staff_account"
    people = (await desk.client.get("/api/staff", headers=admin)).json()
    assert [p["username"] for p in people] == ["admin", "bantuan", "kantor", "lain", "loket", "petugas.baru"]
    assert (await bearer(desk.client, "petugas.baru", "kata-sandi-baru-1"))["Authorization"].startswith("Bearer ")

    clerk = await desk.as_("kantor")
    assert (await desk.client.get("/api/staff", headers=clerk)).status_code == 403
    other = account | {"username": "penyusup", "role": "admin"}
    assert (await desk.client.post("/api/staff", json=other, headers=clerk)).status_code == 403
    assert (await desk.client.get("/api/audit", headers=clerk)).status_code == 403
    me_id = next(p["id"] for p in people if p["username"] == "admin")
    myself = await desk.client.post(f"/api/staff/{me_id}/active", json={"active": False}, headers=admin)
    assert myself.status_code == 422 and myself.json()["error"] == "invalid_staff_account"

    log = (await desk.client.get("/api/audit", params={"limit": 1}, headers=admin)).json()["entries"]
    assert (log[0]["action"], log[0]["actor"], log[0]["after"]) == (
        "staff_created",
        "admin",
        {"offices": ["TST"], "role": "counter"},
    )


# --- Bad input -------------------------------------------------------------------------------------------------------


MALFORMED: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/offices/TST/days/2026-13-45", None),
    ("GET", "/api/offices/TST/days/1999-12-31", None),
    ("GET", "/api/offices/T%20T/days/2026-11-30", None),
    ("PUT", f"/api/offices/TST/days/{TUESDAY}/slots/8:00", {"capacity": 3}),
    ("PUT", f"/api/offices/TST/days/{TUESDAY}/slots/08:00+07:00", {"capacity": 3}),
    ("PUT", f"/api/offices/TST/days/{TUESDAY}/slots/08:00", {"capacity": -1}),
    ("PUT", f"/api/offices/TST/days/{TUESDAY}/slots/08:00", {"capacity": 1001}),
    ("PUT", f"/api/offices/TST/days/{TUESDAY}/slots/08:00", {"capacity": "banyak"}),
    ("PUT", f"/api/offices/TST/days/{TUESDAY}/slots/08:00", None),
    ("PUT", "/api/offices/TST/template", {"slots": []}),
    ("PUT", "/api/offices/TST/template", {"slots": [{"start": "09:00", "end": "08:00", "capacity": 1}]}),
    ("PUT", "/api/offices/TST/template", {"slots": [{"start": "08:00", "end": "09:00", "capacity": 1}] * 2}),
    ("PUT", "/api/offices/TST/template", {"slots": [{"start": "24:00", "end": "25:00", "capacity": 1}]}),
    ("POST", "/api/offices/TST/release", {"days": []}),
    ("POST", "/api/offices/TST/release", {"days": ["besok"]}),
    ("POST", f"/api/offices/TST/days/{TUESDAY}/close", {"reason": "x" * 201}),
    ("POST", f"/api/offices/TST/days/{TUESDAY}/close", {"reason": "rapat\x00"}),
    ("POST", "/api/offices/TST/checkins/inspect", {"text": ""}),
    ("POST", "/api/offices/TST/checkins/inspect", {"text": "x" * 501}),
    ("POST", "/api/offices/TST/checkins", {"code": "K7PMQ3XA", "positions": [0]}),
    ("POST", "/api/offices/TST/checkins", {"code": "K7PMQ3XA", "positions": [6]}),
    ("POST", "/api/offices/TST/checkins", {"code": "K7PMQ3XA", "positions": []}),
    ("POST", "/api/bookings/K7PMQ3XA/applicants/6/name", {"full_name": "Nama", "reason": "uji"}),
    ("POST", "/api/bookings/K7PMQ3XA/applicants/1/application-type", {"application_type": "lost"}),
    ("POST", "/api/staff", {"username": "x", "password": "p", "role": "boss"}),
    ("POST", "/api/staff/99999999999/active", {"active": False}),
    ("GET", "/api/audit?limit=1000", None),
    ("GET", "/api/audit?before_id=0", None),
    ("GET", "/api/audit?booking_code=%00", None),
]


async def test_invalid_input_is_refused_with_422_never_a_server_error(desk: Desk) -> None:
    admin = await desk.as_("admin")
    for method, path, body in MALFORMED:
        response = await desk.client.request(method, path, json=body, headers=admin)
        assert response.status_code == 422, (method, path, body, response.text)


# --- The test harness itself, and a real socket ---------------------------------------------------------------------


async def test_nothing_a_test_writes_is_committed(desk: Desk) -> None:
    await desk.client.post("/api/offices/TST/release", json={"days": [TUESDAY]}, headers=await desk.as_("kantor"))
    async with desk.ctx.runtime.engine.connect() as outside:
        seen = (await outside.execute(select(func.count()).select_from(t.staff))).scalar_one()
    inside = (await desk.conn.execute(select(func.count()).select_from(t.staff))).scalar_one()
    assert (seen, inside) == (0, 5)


async def test_the_api_answers_over_a_real_socket(desk: Desk) -> None:
    # The app already runs (the fixture ran its lifespan): uvicorn only serves it, in this test's event loop.
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(desk.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not serving.done(), "the server did not start"
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            headers = await bearer(client, "kantor")
            board = await client.get(f"/api/offices/TST/days/{MONDAY}", headers=headers)
            assert board.status_code == 200 and board.json()["totals"]["capacity"] == 20
            assert (await client.get("/api/me")).status_code == 401
    finally:
        server.should_exit = True
        await serving


# --- Announcements -------------------------------------------------------------------------------------------------


async def _subscribers(desk: Desk, *chats: int) -> None:
    for chat in chats:
        await announcements.subscribe(desk.units(True), chat, desk.tst.id or 0, "id", desk.clock.now())


async def test_an_officer_broadcasts_to_the_offices_subscribers_through_the_api_and_controls_it(desk: Desk) -> None:
    await _subscribers(desk, 501, 502)
    clerk = await desk.as_("kantor")
    body = {"audience": "subscribers", "text_id": "Layanan Sabtu buka.\nBawa KTP.", "text_en": "Open Saturday."}
    created = await desk.client.post("/api/offices/TST/broadcasts", json=body, headers=clerk)
    assert created.status_code == 201, created.text
    sent = created.json()
    assert (sent["total"], sent["pending"], sent["sent"], sent["percent"], sent["state"]) == (2, 2, 0, 0, "sending")
    paused = await desk.client.post(f"/api/broadcasts/{sent['id']}/pause", headers=clerk)
    assert paused.json()["state"] == "paused" and paused.json()["pending"] == 2
    cancelled = await desk.client.post(f"/api/broadcasts/{sent['id']}/cancel", headers=clerk)
    assert (cancelled.json()["cancelled"], cancelled.json()["percent"]) == (2, 100)
    read = await desk.client.get(f"/api/broadcasts/{sent['id']}", headers=clerk)
    assert read.json()["state"] == "cancelled"
    # Another office's officer neither sees it nor may write for TST; a wrong action or id is a 4xx, never a 500.
    other = await desk.as_("lain")
    assert (await desk.client.get(f"/api/broadcasts/{sent['id']}", headers=other)).status_code == 404
    assert (await desk.client.post("/api/offices/TST/broadcasts", json=body, headers=other)).status_code == 403
    assert (await desk.client.post(f"/api/broadcasts/{sent['id']}/explode", headers=clerk)).status_code == 422
    assert (await desk.client.get("/api/broadcasts/99999", headers=clerk)).status_code == 404
    empty = await desk.client.post("/api/offices/TST/broadcasts", json={**body, "text_id": " "}, headers=clerk)
    assert empty.status_code == 422 and "bahasa Indonesia" in empty.json()["detail"]
    no_day = await desk.client.post(
        "/api/offices/TST/broadcasts", json={"audience": "booked", "text_id": "Halo"}, headers=clerk
    )
    assert no_day.status_code == 422 and "Pilih tanggal" in no_day.json()["detail"]


async def test_an_officer_previews_a_broadcast_on_the_page_sends_it_and_sees_its_progress(desk: Desk) -> None:
    await _subscribers(desk, 601, 602, 603)
    form = await login_form(desk.client)
    await desk.client.post("/login", data={"username": "kantor", "password": PASSWORD, **form})
    day = (await desk.client.get("/offices/TST", params={"day": MONDAY})).text
    assert "3 chat mengikuti pembukaan kuota kantor ini." in day and 'href="/announcements?office=TST"' in day
    page = await desk.client.get("/announcements?office=TST")
    assert page.status_code == 200 and "Pesan baru" in page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    fields = {"csrf": csrf.group(1), "office": "TST", "audience": "subscribers", "text_id": "Sabtu buka <b>08:00</b>"}
    preview = await desk.client.post("/announcements/preview", data=fields)
    assert preview.status_code == 200
    assert "Dikirim ke 3 chat." in preview.text and "Kirim ke 3 chat" in preview.text
    assert "Sabtu buka &lt;b&gt;08:00&lt;/b&gt;" in preview.text  # as typed, never as markup
    sent = await desk.client.post("/announcements", data=fields)
    assert sent.status_code == 303
    progress = await desk.client.get(sent.headers["location"])
    assert "Kemajuan" in progress.text and 'data-field="total">3<' in progress.text
    paused = await desk.client.post(sent.headers["location"] + "/pause", data={"csrf": csrf.group(1)})
    assert paused.status_code == 303
    again = await desk.client.get(paused.headers["location"])
    assert "Dijeda" in again.text and "/resume" in again.text
    empty = await desk.client.post("/announcements/preview", data={**fields, "text_id": "  "})
    assert empty.status_code == 422 and "Tulis pesannya dalam bahasa Indonesia" in empty.text
    no_day = await desk.client.post("/announcements/preview", data={**fields, "audience": "booked", "day": ""})
    assert no_day.status_code == 422 and "Pilih tanggal" in no_day.text and "Sabtu buka" in no_day.text  # kept
    assert (await desk.client.get("/announcements/99999999999")).status_code == 422  # never a 500
    assert (await desk.client.get("/announcements/424242")).status_code == 404
