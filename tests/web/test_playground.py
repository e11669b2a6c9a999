"""The playground in a real browser: an applicant registers and books through the page alone, on phone and desktop."""

from __future__ import annotations

import io
from datetime import date

import httpx
import pytest
from playwright.async_api import Locator, Page, expect
from pypdf import PdfReader

from tests.conftest import NEXT_MONDAY
from tests.factories import add_office, make_nik, release_days, sample_office
from tests.web.conftest import Playground, Shoot

# The browser is the session's, and Playwright's objects belong to the loop that made them.
pytestmark = pytest.mark.asyncio(loop_scope="session")

NIK = make_nik(date(1985, 3, 14), female=True, serial=12)  # a woman born on Thursday 14 March 1985


def said(page: Page, text: str) -> Locator:
    """The newest bot message that says `text`."""
    return page.locator(".message.bot", has_text=text).last


async def tap(page: Page, label: str) -> None:
    """Taps the inline button `label` under the newest bot message that shows it."""
    await page.locator("button.inline", has_text=label).last.click()


async def write(page: Page, text: str, *, deleted: str = "") -> None:
    """Types into the composer and sends with Enter, as a person would.

    `deleted`: the bot deletes this message once read (a NIK, a family-card number) and says so in these words.
    """
    await page.locator("#composer").fill(text)
    await page.locator("#composer").press("Enter")
    if deleted:
        await expect(said(page, deleted)).to_be_visible()
        await expect(page.locator(".message.user", has_text=text)).to_have_count(0)
        return
    await expect(page.locator(".message.user").last).to_contain_text(text)


async def register_through_page(page: Page, name: str, nik: str, born: str, shoot: Shoot | None = None) -> None:
    """From the empty chat to the main menu: consent, name, NIK, date of birth, family card, shared phone."""

    async def look(step: str) -> None:
        if shoot is not None:
            await shoot(page, step)

    page.on("dialog", lambda dialog: dialog.accept())  # the "share the demo number?" question
    await expect(page.locator("#empty")).to_be_visible()
    await look("01-empty")
    await page.locator("#start").click()
    await expect(said(page, "Apakah Anda setuju?")).to_be_visible()
    await look("02-consent")
    await tap(page, "✅ Saya setuju")
    await expect(said(page, "Nama lengkap Anda")).to_be_visible()
    # The consent question loses its buttons once answered: the edit shows in place.
    await expect(said(page, "Apakah Anda setuju?").locator("button.inline")).to_have_count(0)

    await write(page, name)
    await expect(said(page, "NIK Anda")).to_be_visible()
    await write(page, nik, deleted="Pesan berisi NIK Anda sudah saya hapus")
    await tap(page, f"✅ Ya, {born}")
    await expect(said(page, "Nomor Kartu Keluarga")).to_be_visible()
    await write(page, "3174 0101 0120 0001", deleted="Pesan berisi nomor KK Anda sudah saya hapus")
    share = page.get_by_test_id("share-contact")
    await expect(share).to_have_text("📱 Bagikan nomor telepon saya")
    await look("03-share-contact")
    await share.click()
    await expect(page.locator(".message.user .contact").last).to_contain_text("+6281234567890")
    await expect(said(page, "Apa yang ingin Anda lakukan?")).to_be_visible()
    await expect(page.locator("#reply-keyboard")).to_be_hidden()  # the bot took the keyboard away
    await look("04-registered")


async def test_an_applicant_registers_books_and_downloads_the_proof_through_the_page_alone(
    playground: Playground, page: Page, screenshot: Shoot
) -> None:
    office = await add_office(playground.world.runtime, sample_office())
    await release_days(playground.world.runtime, office, [NEXT_MONDAY])
    await page.goto(playground.page_url)
    await register_through_page(page, "Siti Rahmawati", NIK, "Kamis, 14 Maret 1985", screenshot)

    await tap(page, "📅 Pesan antrean")
    await tap(page, "Jakarta Selatan · Kanim Uji TST")
    await expect(said(page, "SITI RAHMAWATI (paspor baru)")).to_be_visible()
    await screenshot(page, "05-calendar")
    await tap(page, "30✅")
    await tap(page, "08:00–09:00 · sisa 10")
    summary = said(page, "Senin, 30 November 2026, 08:00–09:00 WIB")
    await expect(summary).to_be_visible()
    await screenshot(page, "06-summary")
    await tap(page, "✅ Konfirmasi pesanan")

    booked = said(page, "Kode booking: ")
    await expect(booked).to_be_visible()
    code = (await booked.locator(".text").inner_text()).split("Kode booking: ")[1].split("\n")[0]
    proof = page.locator("a.document").last
    await expect(proof).to_be_visible()
    await proof.scroll_into_view_if_needed()
    await screenshot(page, "07-booked")
    href = await proof.get_attribute("href")
    assert href is not None and href.startswith(playground.world.telegram.base_url)
    async with httpx.AsyncClient() as client:
        response = await client.get(href)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert code in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert (await proof.locator(".name").inner_text()).endswith(".pdf")
    assert playground.world.errors == []


async def test_the_page_speaks_english_on_request_keeps_the_chat_on_reload_and_starts_afresh_for_a_new_applicant(
    playground: Playground, page: Page, screenshot: Shoot
) -> None:
    await page.goto(playground.page_url + "?lang=en")
    await expect(page.locator("#start")).to_have_text("START")
    await expect(page.locator("#new-applicant")).to_have_text("New applicant")
    await expect(page.locator("#send")).to_have_attribute("aria-label", "Send")
    await expect(page.locator("#language")).to_have_value("en")  # the Telegram language follows the page's
    await page.locator("#start").click()
    await expect(said(page, "Do you agree?")).to_be_visible()  # the bot answered in the language sent
    applicant = await page.locator("#user-id").inner_text()
    await screenshot(page, "01-english")

    await page.reload()
    await expect(said(page, "Do you agree?")).to_be_visible()
    await expect(page.locator("#user-id")).to_have_text(applicant)

    await page.locator("#new-applicant").click()
    await expect(page.locator(".message")).to_have_count(0)
    await expect(page.locator("#empty")).to_be_visible()
    await expect(page.locator("#user-id")).not_to_have_text(applicant)
    await screenshot(page, "02-new-applicant")


async def test_the_bots_html_is_shown_formatted_its_plain_text_literally_and_nothing_it_sends_can_run(
    playground: Playground, page: Page
) -> None:
    user = 4242
    await page.goto(playground.page_url + f"?user={user}")
    await page.locator("#start").click()
    await expect(said(page, "Apakah Anda setuju?")).to_be_visible()
    bot = playground.world.bot
    await bot.send_message(
        user, '<b>tebal</b> &amp; <a href="javascript:alert(1)">tautan</a>\nbaris <i>dua</i>', parse_mode="HTML"
    )
    await bot.send_message(user, "<b>bukan tebal</b>")

    formatted = said(page, "baris dua")
    await expect(formatted.locator("b")).to_have_text("tebal")
    await expect(formatted.locator("i")).to_have_text("dua")
    await expect(formatted.locator("a")).to_have_text("tautan")
    assert await formatted.locator("a").get_attribute("href") is None  # a javascript: link is kept as words only
    assert "tebal & tautan\nbaris dua" in await formatted.locator(".text").inner_text()
    literal = said(page, "<b>bukan tebal</b>")
    await expect(literal).to_be_visible()
    await expect(literal.locator("b")).to_have_count(0)


async def test_the_bots_answers_to_a_tap_pop_up_as_telegram_shows_them(
    playground: Playground, page: Page, screenshot: Shoot
) -> None:
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    user = 424242
    await page.goto(playground.page_url + f"?user={user}")
    await register_through_page(page, "Dewi Lestari", NIK, "Kamis, 14 Maret 1985")

    from bot.handlers.alerts import Follow

    gone = Follow(office_id=999_999).pack()  # an office that is no more: the refusal is a show_alert
    follow = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Ikuti", callback_data=gone)]])
    await playground.world.bot.send_message(user, "Ikuti kantor ini", reply_markup=follow)
    await tap(page, "Ikuti")  # answered with show_alert: a dialog to close
    dialog = page.get_by_test_id("alert")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Kantor ini tidak lagi menerima pemesanan di sini.")
    await screenshot(page, "08-alert")
    await page.get_by_test_id("alert-close").click()
    await expect(dialog).to_be_hidden()

    old = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Lama", callback_data="gone:1")]])
    await playground.world.bot.send_message(user, "Pesan lama", reply_markup=old)
    await tap(page, "Lama")  # answered with a text only: a notice that goes by itself
    notice = page.get_by_test_id("notice")
    await expect(notice).to_have_text("Tombol ini sudah tidak berlaku. Silakan gunakan pesan terbaru.")
    await expect(dialog).to_be_hidden()
    await expect(notice).to_be_hidden(timeout=6000)
