"""The whole demo in a real browser: an officer releases a date, an applicant books it in the playground, the
officer sees the booking live and on the daily list, checks it in with the proof's QR text, and cannot twice.

This runs `running_demo`, the composition behind the README's first command, on a fixed clock.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

import httpx
import pypdfium2
import pytest
import pytest_asyncio
import zxingcpp
from playwright.async_api import Page, expect

from antrean.demo import RunningDemo, running_demo
from core.clock import FixedClock
from core.config import Settings
from core.crypto import Passwords
from devtools.demo_data import DEMO_PASSWORD
from tests.conftest import JAKARTA, SECRET
from tests.factories import make_nik
from tests.web.api_support import login_form
from tests.web.conftest import Screen, Shoot
from tests.web.test_playground import register_through_page, said, tap, write

pytestmark = pytest.mark.asyncio(loop_scope="session")

RELEASED_BY_HAND = date(2026, 12, 7)  # a Monday after the week that the Friday window releases
ARRIVAL_MORNING = datetime(2026, 12, 7, 8, 5, tzinfo=JAKARTA)


@pytest_asyncio.fixture(loop_scope="session")
async def demo(tmp_path: Path, clock: FixedClock) -> AsyncIterator[RunningDemo]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}", environment="test", secret_key=SECRET)
    cheap = Passwords(time_cost=1, memory_kib=8192)
    async with running_demo(
        settings, web_port=0, standin_port=0, clock=clock, passwords=cheap, say=lambda _: None
    ) as d:
        yield d


async def sign_in(page: Page, demo: RunningDemo, username: str) -> None:
    await page.goto(f"{demo.web}/login")
    await page.get_by_label("Nama pengguna").fill(username)
    await page.get_by_label("Kata sandi").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Masuk").click()
    await expect(page.locator("h1")).to_have_text("Kantor")


def qr_text(pdf: bytes) -> str:
    """What a phone camera reads off the proof's QR code."""
    bitmap = pypdfium2.PdfDocument(pdf)[0].render(scale=3)
    [barcode] = zxingcpp.read_barcodes(bitmap.to_pil())
    return str(barcode.text)


async def book_in_playground(page: Page, demo: RunningDemo, shoot: Shoot) -> tuple[str, bytes]:
    """Registers a new applicant and books 7 December at JKT-SEL at 08:00; (booking code, proof PDF)."""
    await page.goto(demo.playground)
    await register_through_page(
        page, "Dewi Lestari", make_nik(date(1991, 5, 2), female=True, serial=77), "Kamis, 2 Mei 1991"
    )
    await tap(page, "📅 Pesan antrean")
    await tap(page, "Jakarta Selatan · Kanim")
    await tap(page, "▶")
    await page.locator("button.inline").filter(has_text=re.compile(r"^7✅$")).last.click()
    await tap(page, "08:00–09:00")
    await expect(said(page, "Senin, 7 Desember 2026")).to_be_visible()
    await tap(page, "✅ Konfirmasi pesanan")
    booked = said(page, "Kode booking: ")
    await expect(booked).to_be_visible()
    code = (await booked.locator(".text").inner_text()).split("Kode booking: ")[1].split("\n")[0]
    proof = page.locator("a.document").last
    await expect(proof).to_be_visible()
    await shoot(page, "03-applicant-booked")
    href = await proof.get_attribute("href")
    assert href is not None
    async with httpx.AsyncClient() as client:
        pdf = (await client.get(href)).content
    return code.replace("-", ""), pdf


async def test_an_officer_releases_a_date_an_applicant_books_it_and_the_officer_checks_them_in_once(
    demo: RunningDemo, page: Page, screenshot: Shoot, clock: FixedClock
) -> None:
    await sign_in(page, demo, "kantor")
    await screenshot(page, "01-offices")

    await page.goto(f"{demo.web}/offices/JKT-SEL?day={RELEASED_BY_HAND.isoformat()}")
    await expect(page.locator(".state")).to_contain_text("Belum dibuka")
    await page.locator("#release").click()
    await expect(page.locator(".notice")).to_contain_text("Dibuka: pemohon sudah dapat memesan tanggal ini.")
    await expect(page.locator(".state")).to_contain_text("Dapat dipesan dari")
    await screenshot(page, "02-released")

    applicant = await page.context.new_page()
    code, pdf = await book_in_playground(applicant, demo, screenshot)
    payload = qr_text(pdf)
    assert payload.startswith(f"ANTREAN1.{code}.JKT-SEL.20261207.0800.1.")

    await page.reload()
    first = page.locator('#live tr[data-slot="08:00"]')
    await expect(first.locator("td").nth(3)).to_have_text("1")  # booked
    await expect(first.locator("td").nth(4)).to_have_text("19")  # free
    await screenshot(page, "04-live-view")

    await page.get_by_role("link", name="Daftar harian", exact=True).click()
    row = page.locator(f'tr[data-code="{code}"]')
    await expect(row).to_contain_text("DEWI LESTARI")
    await expect(row).to_contain_text("*")  # office staff see the NIK masked
    await screenshot(page, "05-daily-list")
    listed = await page.request.get(f"{demo.web}/offices/JKT-SEL/list.pdf?day={RELEASED_BY_HAND.isoformat()}")
    assert listed.headers["content-type"] == "application/pdf" and (await listed.body()).startswith(b"%PDF-")

    clock.set(ARRIVAL_MORNING)
    await sign_in(page, demo, "kantor")  # a week on by the app's clock: yesterday's session has expired
    await page.goto(f"{demo.web}/checkin")
    await page.locator("#proof-text").fill(payload.lower())  # a scanner may type it in any case
    await page.get_by_role("button", name="Periksa").click()
    await expect(page.locator("#verdict")).to_have_attribute("data-valid", "yes")
    await expect(page.locator(".verdict")).to_contain_text("Berlaku: asli, untuk hari ini")
    await screenshot(page, "06-checkin-valid")
    await page.locator("#mark-arrived").click()
    await expect(page.locator(".notice")).to_contain_text("Tercatat hadir.")
    await expect(page.locator('tr[data-position="1"]')).to_contain_text("08:05")
    await screenshot(page, "07-checked-in")

    await page.locator("#proof-text").fill(payload)
    await page.get_by_role("button", name="Periksa").click()
    await expect(page.locator("#verdict")).to_have_attribute("data-valid", "no")
    await expect(page.locator(".problems")).to_contain_text("Semua pemohon pada booking ini sudah tercatat hadir.")
    await expect(page.locator("#mark-arrived")).to_have_count(0)
    await screenshot(page, "08-second-checkin-refused")


# What a narrow screen cuts off: the page wider than the window, a table scrolled sideways, a field too narrow
# for the value it holds ('2' shown of 20).
CLIPPED = """() => {
  const out = [];
  const width = document.documentElement.scrollWidth;
  if (width > window.innerWidth) out.push("page " + width);
  for (const el of document.querySelectorAll(".table-wrap")) {
    if (el.scrollWidth > el.clientWidth + 1) out.push("table " + el.scrollWidth + " > " + el.clientWidth);
  }
  for (const el of document.querySelectorAll("input[type=number], input[type=time]")) {
    const r = el.getBoundingClientRect();
    const cut = r.right > window.innerWidth || el.scrollWidth > el.clientWidth + 1;
    if (cut) out.push("field " + el.name + " " + el.value);
  }
  return out;
}"""


async def test_every_staff_page_opens_for_an_administrator_in_indonesian_and_in_english(
    demo: RunningDemo, page: Page, screenshot: Shoot, screen: Screen
) -> None:
    await sign_in(page, demo, "admin")
    pages = {
        "offices": "/",
        "day": "/offices/JKT-SEL?day=2026-11-30",
        "template": "/offices/JKT-SEL/template",
        "daily-list": "/offices/JKT-SEL/list?day=2026-11-30",
        "checkin": "/checkin?office=JKT-SEL",
        "staff": "/staff",
        "audit": "/audit",
        "help-desk": "/support",
        "announcements": "/announcements",
    }
    for name, path in pages.items():
        response = await page.goto(demo.web + path)
        assert response is not None and response.status == 200, (path, response and response.status)
        await expect(page.locator("h1")).to_be_visible()
        await screenshot(page, f"admin-{name}")
        assert await page.evaluate(CLIPPED) == [], (path, screen.name)
    await page.goto(f"{demo.web}/staff?lang=en")
    await expect(page.locator("h1")).to_have_text("Staff accounts")
    await page.goto(f"{demo.web}/audit")  # the choice sticks: a cookie
    await expect(page.locator("h1")).to_have_text("Audit log")
    await expect(page.locator("table")).to_contain_text("Staff account created")
    await screenshot(page, "admin-audit-english")


async def test_a_counter_officer_cannot_open_quota_staff_or_other_offices_pages(demo: RunningDemo, page: Page) -> None:
    await sign_in(page, demo, "loket")
    response = await page.goto(f"{demo.web}/staff")
    assert response is not None and response.status == 403
    await expect(page.locator(".error")).to_contain_text("Akun Anda tidak berwenang")
    response = await page.goto(f"{demo.web}/offices/JKT-SEL/template")
    assert response is not None and response.status == 403
    response = await page.goto(f"{demo.web}/offices/DPS")
    assert response is not None and response.status == 403


async def test_the_demo_pages_refuse_everyone_who_has_not_signed_in(demo: RunningDemo) -> None:
    async with httpx.AsyncClient(base_url=demo.web) as client:
        for path in ("/", "/offices/JKT-SEL", "/checkin", "/staff", "/audit"):
            response = await client.get(path)
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
        form = await login_form(client)
        response = await client.post("/login", data={"username": "kantor", "password": "salah-sekali", **form})
        assert response.status_code == 401 and "Nama pengguna atau kata sandi salah." in response.text


async def test_the_demo_has_bookings_for_today_so_the_counter_can_check_someone_in_at_once(
    demo: RunningDemo, page: Page, screenshot: Shoot
) -> None:
    (line,) = [f for f in demo.facts if f.startswith("Check-in today at JKT-SEL")]
    codes = re.findall(r"([A-Z0-9]{4}-[A-Z0-9]{4}) \(", line)
    assert len(codes) == 3 and "Budi Santoso, 3 applicants" in line, line
    await sign_in(page, demo, "loket")
    await page.goto(f"{demo.web}/checkin")
    await page.locator("#proof-text").fill(codes[0])
    await page.get_by_role("button", name="Periksa").click()
    await expect(page.locator("#verdict")).to_have_attribute("data-valid", "yes")
    await expect(page.locator(".verdict")).to_contain_text("Berlaku: untuk hari ini, di kantor ini")
    await expect(page.locator("main")).to_contain_text("BUDI SANTOSO")
    await screenshot(page, "counter-checkin-of-a-seeded-booking")


async def test_an_officer_previews_and_sends_an_announcement_watches_it_reach_everyone_and_it_appears_in_the_chat(
    demo: RunningDemo, page: Page, screenshot: Shoot
) -> None:
    applicant = await page.context.new_page()
    await applicant.goto(demo.playground)
    await register_through_page(
        applicant, "Rudi Hartono", make_nik(date(1988, 8, 8), serial=88), "Senin, 8 Agustus 1988"
    )
    await tap(applicant, "🔔 Pemberitahuan kuota")
    await tap(applicant, "➕ Ikuti kantor")
    await tap(applicant, "Jakarta Selatan · Kanim")
    await expect(said(applicant, "Anda mendapat pesan saat kuota dibuka di:")).to_be_visible()

    await sign_in(page, demo, "kantor")
    await page.goto(f"{demo.web}/offices/JKT-SEL")
    await expect(page.locator("#subscribers")).to_contain_text("1 chat mengikuti pembukaan kuota kantor ini.")
    await page.get_by_role("link", name="Tulis pengumuman").click()
    await page.get_by_label("Pesan dalam bahasa Indonesia (wajib)").fill("Sabtu 12 Desember layanan paspor buka.")
    await page.get_by_label("Pesan dalam bahasa Inggris").fill("Passport service is open on Saturday 12 December.")
    await page.get_by_role("button", name="Pratinjau").click()
    await expect(page.locator("#preview")).to_contain_text("Dikirim ke 1 chat.")
    await expect(page.locator("#preview .bubble").first).to_contain_text("📢 Kantor Imigrasi")
    await screenshot(page, "07-announcement-preview")
    await page.get_by_role("button", name="Kirim ke 1 chat").click()
    await expect(page.locator('[data-field="percent"]')).to_have_text("100", timeout=15_000)
    await expect(page.locator('[data-field="sent"]')).to_have_text("1")
    await expect(page.locator('[data-field="state"]')).to_have_text("selesai")
    await screenshot(page, "08-announcement-sent")

    await expect(said(applicant, "Sabtu 12 Desember layanan paspor buka.")).to_be_visible()
    await expect(said(applicant, "📢 Kantor Imigrasi")).to_be_visible()


async def test_an_officer_closes_a_booked_date_and_the_applicant_is_told_why_and_books_another_day_at_once(
    demo: RunningDemo, page: Page, screenshot: Shoot
) -> None:
    await sign_in(page, demo, "kantor")
    for day in (RELEASED_BY_HAND, date(2026, 12, 8)):
        await page.goto(f"{demo.web}/offices/JKT-SEL?day={day.isoformat()}")
        await page.locator("#release").click()
    applicant = await page.context.new_page()
    code, _ = await book_in_playground(applicant, demo, screenshot)

    await page.goto(f"{demo.web}/offices/JKT-SEL?day={RELEASED_BY_HAND.isoformat()}")
    card = page.locator("#close-date")
    await expect(card).to_contain_text("Pemohon yang memesan tanggal ini: 1.")
    await card.get_by_label("Alasan (ditampilkan kepada pemohon)").fill("pemadaman listrik")
    await card.get_by_label("Batalkan pesanan 1 pemohon dan beri tahu pemiliknya").check()
    await screenshot(page, "09-close-booked-date")
    await card.get_by_role("button", name="Tutup 2026-12-07").click()
    await expect(page.locator(".state")).to_contain_text("Ditutup oleh kantor: pemadaman listrik.")

    notice = said(applicant, "pemadaman listrik")
    await expect(notice).to_be_visible(timeout=10_000)
    await expect(notice).to_contain_text(f"{code[:4]}-{code[4:]}")
    await expect(notice).to_contain_text("Masa tunggu 30 hari tidak berlaku")
    await tap(applicant, "📅 Pesan lagi (👤 1)")
    await expect(said(applicant, "Pilih tanggal kedatangan")).to_be_visible()
    await applicant.locator("button.inline").filter(has_text=re.compile(r"^8✅$")).last.click()
    await tap(applicant, "08:00–09:00")
    # The summary names the new date; confirming edits it into the code (so it is read before, not after).
    await expect(said(applicant, "Selasa, 8 Desember 2026")).to_be_visible()
    await tap(applicant, "✅ Konfirmasi pesanan")
    await expect(applicant.locator(".message.bot", has_text="Kode booking: ")).to_have_count(2)  # booked again
    await screenshot(applicant, "10-booked-again")


async def test_an_applicant_asks_a_person_and_the_help_desks_answer_appears_in_the_chat(
    demo: RunningDemo, page: Page, screenshot: Shoot
) -> None:
    applicant = await page.context.new_page()
    await applicant.goto(demo.playground)
    await register_through_page(
        applicant, "Maya Lestari", make_nik(date(1990, 3, 3), serial=33, female=True), "Sabtu, 3 Maret 1990"
    )
    await write(applicant, "anak saya lahir di luar negeri, aktanya dari kedutaan, bisa dipakai?")
    await expect(said(applicant, "Saya kurang yakin memahaminya").or_(said(applicant, "❓ "))).to_be_visible()
    await tap(applicant, "anya petugas")  # "🙋 Tanya petugas" when unsure, "👎 Tidak, tanya petugas" under an answer
    told = said(applicant, "Pertanyaan Anda sudah diteruskan ke petugas sebagai tiket #")
    await expect(told).to_be_visible()

    await sign_in(page, demo, "bantuan")
    await expect(page.locator('nav a[href="/support"]')).to_have_count(1)  # in the menu (folded on a phone)
    await page.goto(f"{demo.web}/support")
    await expect(page.locator("#tickets")).to_contain_text("aktanya dari kedutaan")
    await screenshot(page, "11-help-desk-queue")
    await page.locator("#tickets a", has_text="aktanya dari kedutaan").click()
    await expect(page.locator("h1")).to_contain_text("Menunggu kita")
    await expect(page.locator("main")).to_contain_text("MAYA LESTARI")
    await page.get_by_label("Jawaban Anda").fill("Bisa, bawa akta aslinya dan terjemahan resminya.")
    await screenshot(page, "12-help-desk-answer")
    await page.get_by_role("button", name="Kirim jawaban").click()
    await expect(page.locator("main")).to_contain_text("Jawaban terkirim")
    await expect(page.locator("h1")).to_contain_text("Menunggu pemohon")

    await expect(said(applicant, "Bisa, bawa akta aslinya dan terjemahan resminya.")).to_be_visible(timeout=10_000)
    await expect(said(applicant, "💬 Jawaban petugas")).to_be_visible()
    await write(applicant, "terima kasih, terjemahannya harus dari penerjemah tersumpah?")
    await expect(said(applicant, "Ditambahkan ke pertanyaan Anda")).to_be_visible()
    await page.reload()
    await expect(page.locator(".conversation li")).to_have_count(3)
    await screenshot(applicant, "13-help-desk-answer-in-chat")
