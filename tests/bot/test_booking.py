"""Booking end to end: office, party, calendar, time, held summary, confirm, and the PDF proof in the chat."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2
import zxingcpp
from pypdf import PdfReader

from bot.handlers.booking.office import LABEL_MAX, office_label
from core.crypto import Vault
from core.documents.signing import verify_proof
from core.domain.booking import format_booking_code
from core.services import accounts
from core.services.offices import parse_offices_csv, shipped_offices_csv
from tests.bot.conftest import BotWorld
from tests.conftest import NEXT_MONDAY, SECRET
from tests.factories import add_office, register, release_days, sample_office

USER = 8001


async def _ready(world: BotWorld, capacity: int = 10) -> None:
    office = await add_office(world.runtime, sample_office(capacity=capacity))
    await release_days(world.runtime, office, [NEXT_MONDAY])
    await register(world.runtime, Vault(SECRET), USER, family=1)


async def _tap_in_row(world: BotWorld, row_label: str, label: str) -> None:
    """Taps the button `label` in the keyboard row that also shows `row_label`."""
    message = await world.telegram.last_bot_message(USER)
    assert message is not None
    for row in message["reply_markup"]["inline_keyboard"]:
        if any(row_label in b["text"] for b in row):
            (button,) = [b for b in row if b["text"] == label]
            await world.telegram.user_taps(USER, message["message_id"], button["callback_data"])
            await world.telegram.wait_for_bot(USER, calls=2)
            return
    raise AssertionError(f"no row with {row_label!r}")


async def _to_summary(world: BotWorld) -> None:
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)  # the offices of the family card's province, at once
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    await world.tap(USER, "⬜ ANGGOTA KELUARGA A", calls=2)
    await _tap_in_row(world, "ANGGOTA KELUARGA A", "paspor baru")  # the relative replaces an old passport
    await world.tap(USER, "Lanjut ▶", calls=2)
    await world.tap(USER, "30✅", calls=2)
    await world.tap(USER, "08:00–09:00 · sisa 10", calls=2)


async def test_a_family_books_and_gets_the_code_and_the_proof_in_the_chat(world: BotWorld) -> None:
    await _ready(world)
    await _to_summary(world)
    summary = await world.last(USER)
    assert "Senin, 30 November 2026, 08:00–09:00 WIB" in summary
    assert "Pembatalan bisa dilakukan sampai Sabtu, 28 November 2026" in summary
    assert "mulai Rabu, 30 Desember 2026" in summary  # the freeze, shown before the tap
    assert "2. ANGGOTA KELUARGA A — penggantian" in summary
    # What to bring, per applicant: the owner is an adult; the relative, born 2010, is 16 on the day.
    assert ": e-KTP, Kartu Keluarga (KK)\n" in summary
    assert (
        "• ANGGOTA KELUARGA A: akta kelahiran (atau surat baptis), Kartu Keluarga (KK), e-KTP kedua orang tua, "
        "buku nikah atau akta perkawinan orang tua, paspor orang tua, paspor lama" in summary
    )
    assert "Anak di bawah 17 tahun datang bersama kedua orang tua" in summary
    calls_before = len(world.telegram.calls)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    chat = await world.telegram.chat(USER)
    booked_text, proof = chat[-2]["text"], chat[-1]
    code = booked_text.split("Kode booking: ")[1].split("\n")[0]
    pdf = await world.telegram.document_bytes(proof["document"]["file_id"])
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    flat = " ".join(text.split())
    assert code in text and "Senin, 30 November 2026" in text and "paspor orang tua, paspor lama" in flat
    assert "ANGGOTA KELUARGA A: akta kelahiran" in flat and "datang bersama kedua orang tua" in flat
    assert len(world.telegram.calls) - calls_before == 3  # answer, edit, document
    assert code == format_booking_code(code.replace("-", ""))
    assert await world.telegram.unanswered() == []


async def test_places_taken_meanwhile_are_said_plainly_with_the_times_still_free(world: BotWorld) -> None:
    await _ready(world, capacity=2)
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.text(USER, "Jakarta Selatan")  # typing a city finds the office too
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    await world.tap(USER, "⬜ ANGGOTA KELUARGA A", calls=2)
    await world.tap(USER, "Lanjut ▶", calls=2)
    await world.tap(USER, "30✅", calls=2)
    # Someone else takes the 08:00 places while this applicant looks at the times.
    rival = await register(world.runtime, Vault(SECRET), 9001, family=1)
    async with world.runtime.reader() as uow:
        slots = (await uow.slots.in_range(1, NEXT_MONDAY, NEXT_MONDAY))[NEXT_MONDAY]
    await world.runtime.desk.hold(rival.id, slots[0].slot_id, [a.id for a in rival.applicants], ["new", "new"], "r")
    await world.tap(USER, "08:00–09:00 · sisa 2", calls=2)
    now_shown = await world.last(USER)
    assert now_shown.startswith("Tempat itu baru saja diambil orang lain.")
    message = await world.telegram.last_bot_message(USER)
    assert message is not None
    labels = [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["09:00–10:00 · sisa 2", "◀ Tanggal lain"]


async def test_stepping_back_from_the_summary_gives_the_places_back_at_once(world: BotWorld) -> None:
    await _ready(world)
    await _to_summary(world)
    await world.tap(USER, "◀ Jam lain", calls=2)
    assert "09:00–10:00 · sisa 10" in str(await world.telegram.last_bot_message(USER))
    assert "08:00–09:00 · sisa 10" in str(await world.telegram.last_bot_message(USER))


async def test_the_same_as_last_time_button_names_the_office_and_goes_straight_to_its_calendar(
    world: BotWorld,
) -> None:
    await _ready(world)
    await _to_summary(world)
    await world.tap(USER, "◀ Jam lain", calls=2)  # the hold given back: the attempt is still the last one
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "🔁 Sama seperti terakhir: Jakarta Selatan · Kanim Uji TST (👤 2)", calls=2)
    calendar = await world.last(USER)
    assert calendar.startswith("Kantor Imigrasi Uji TST\n")
    assert "30✅" in str(await world.telegram.last_bot_message(USER))


async def test_a_frozen_account_is_told_until_when_and_the_family_card_way(world: BotWorld) -> None:
    await _ready(world)
    await _to_summary(world)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    said = await world.last(USER)
    assert "mulai Rabu, 30 Desember 2026" in said and "kerabat dalam satu Kartu Keluarga" in said


async def test_a_double_tap_on_confirm_books_once(world: BotWorld) -> None:
    await _ready(world)
    await _to_summary(world)
    message = await world.telegram.last_bot_message(USER)
    assert message is not None
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await world.telegram.user_taps(USER, message["message_id"], data)
    await world.telegram.user_taps(USER, message["message_id"], data)
    await world.telegram.wait_for_bot(USER, calls=4)  # two answers, one edit, one document
    documents = [m for m in await world.telegram.chat(USER) if m.get("document")]
    assert len(documents) == 1
    assert await world.telegram.unanswered() == []


async def test_the_proof_qr_holds_a_signed_payload(world: BotWorld) -> None:
    await _ready(world)
    await _to_summary(world)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    proof = (await world.telegram.chat(USER))[-1]
    pdf = await world.telegram.document_bytes(proof["document"]["file_id"])
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=3).to_pil()
    (found,) = zxingcpp.read_barcodes(image)
    claim = verify_proof(Vault(SECRET).signing_key, found.text)
    assert claim.day == NEXT_MONDAY and claim.party == 2 and claim.office_code == "TST"


async def test_an_applicant_without_relatives_books_in_at_most_twelve_calls_to_telegram(world: BotWorld) -> None:
    office = await add_office(world.runtime, sample_office())
    await release_days(world.runtime, office, [NEXT_MONDAY])
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    calls_before = len(world.telegram.calls)
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)  # no party screen: nobody else is saved
    assert "PEMOHON LVT (paspor baru)" in await world.last(USER)
    await world.tap(USER, "🔄 Ganti ke: penggantian", calls=2)  # the type, switched on the calendar itself
    assert "PEMOHON LVT (penggantian)" in await world.last(USER)
    await world.tap(USER, "30✅", calls=2)
    await world.tap(USER, "08:00–09:00 · sisa 10", calls=2)
    assert "1. PEMOHON LVT — penggantian" in await world.last(USER)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    assert len(world.telegram.calls) - calls_before == 13  # 11, and 2 for switching the type
    assert await world.telegram.unanswered() == []


async def test_the_same_office_and_family_as_last_time_come_back_in_one_tap(world: BotWorld) -> None:
    await _ready(world)
    await _to_summary(world)  # the owner and a relative (replacement) hold a place...
    await world.tap(USER, "◀ Jam lain", calls=2)  # ...and let it go
    await world.text(USER, "/cancel")
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "🔁 Sama seperti terakhir: Jakarta Selatan · Kanim Uji TST (👤 2)", calls=2)
    shown = await world.last(USER)
    assert "PEMOHON LVT (paspor baru), ANGGOTA KELUARGA A (penggantian)" in shown
    assert "Pilih tanggal kedatangan." in shown


async def test_the_party_can_be_changed_from_the_calendar(world: BotWorld) -> None:
    await _ready(world)
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    await world.tap(USER, "Lanjut ▶", calls=2)
    await world.tap(USER, "👥 Siapa yang datang", calls=2)
    await world.tap(USER, "⬜ ANGGOTA KELUARGA A", calls=2)
    await world.tap(USER, "Lanjut ▶", calls=2)
    assert "PEMOHON LVT (paspor baru), ANGGOTA KELUARGA A (paspor baru)" in await world.last(USER)


async def test_the_calendar_leaves_out_the_weeks_already_gone(world: BotWorld) -> None:
    office = await add_office(world.runtime, sample_office())
    await release_days(world.runtime, office, [NEXT_MONDAY])
    await register(world.runtime, Vault(SECRET), USER)
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    message = await world.telegram.last_bot_message(USER)
    assert message is not None
    rows = [[b["text"] for b in row] for row in message["reply_markup"]["inline_keyboard"]]
    # Friday 27 November: the week of the 23rd (up to today past) and the 30th; then the party row, the alerts'.
    assert rows[2] == ["·", "·", "·", "·", "·", "28⛔", "29⛔"]
    assert rows[3] == ["30✅", " ", " ", " ", " ", " ", " "]
    assert len(rows) == 6 and rows[5] == ["🔔 Beri tahu saya saat kuota dibuka"]


async def test_the_calendar_names_every_weekday_apart_in_both_languages(world: BotWorld) -> None:
    office = await add_office(world.runtime, sample_office())
    await release_days(world.runtime, office, [NEXT_MONDAY])
    account = await register(world.runtime, Vault(SECRET), USER)
    for language, book, header in (
        ("id", "📅 Pesan antrean", ["Sn", "Sl", "Rb", "Km", "Jm", "Sb", "Mg"]),
        ("en", "📅 Book a queue slot", ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]),
    ):
        await accounts.set_language(world.runtime.uow(), account.id, language)
        await world.text(USER, "/menu")
        await world.tap(USER, book, calls=2)
        await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
        message = await world.telegram.last_bot_message(USER)
        assert message is not None
        assert [b["text"] for b in message["reply_markup"]["inline_keyboard"][1]] == header


def test_office_buttons_lead_with_the_city_and_what_tells_offices_apart() -> None:
    shipped = {o.code: o for o in parse_offices_csv(shipped_offices_csv())}
    labels = {code: office_label(o) for code, o in shipped.items()}
    assert labels["JKT-SEL"] == "Jakarta Selatan · Kanim Kelas I Khusus"
    assert labels["JKT-TIM"] == "Jakarta Timur · Kanim Kelas I"
    assert office_label(next(o for o in shipped.values() if "Surabaya" in o.name and o.city == "Sidoarjo")) == (
        "Sidoarjo · Kanim Surabaya"  # known by its name's city, standing in another
    )
    assert "Batu · ULP Lippo Plaza" in labels.values() and "Bekasi · MPP" in labels.values()
    assert all(len(label) <= LABEL_MAX for label in labels.values()), max(labels.values(), key=len)
    assert all(label.startswith(shipped[code].city + " · ") for code, label in labels.items())
    assert len(set(labels.values())) == len(labels)  # no two alike


async def test_the_full_office_name_is_shown_once_its_short_button_is_tapped(world: BotWorld) -> None:
    await _ready(world)
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    assert (await world.last(USER)).startswith("Kantor Imigrasi Uji TST\n")


async def _data_of(world: BotWorld, label: str) -> tuple[int, str]:
    message = await world.telegram.last_bot_message(USER)
    assert message is not None
    (data,) = [
        b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == label
    ]
    return message["message_id"], data


async def test_an_old_other_dates_button_after_the_booking_is_confirmed_says_the_booking_is_over(
    world: BotWorld,
) -> None:
    await _ready(world)
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    await world.tap(USER, "Lanjut ▶", calls=2)
    await world.tap(USER, "30✅", calls=2)
    message_id, other_dates = await _data_of(world, "◀ Tanggal lain")
    await world.tap(USER, "08:00–09:00 · sisa 10", calls=2)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    query = await world.telegram.user_taps(USER, message_id, other_dates)
    await world.telegram.wait_for_bot(USER)
    answer = await world.telegram.answered(query)
    assert answer is not None and answer.get("show_alert")
    assert "Pemesanan itu sudah tidak berjalan lagi" in answer["text"]


async def test_a_date_gone_by_on_an_old_calendar_is_called_past_and_the_calendar_shown_anew(world: BotWorld) -> None:
    await _ready(world)
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Jakarta Selatan · Kanim Uji TST", calls=2)
    await world.tap(USER, "Lanjut ▶", calls=2)
    world.clock.advance(timedelta(days=4))  # Tuesday 1 December: the calendar on the screen is old
    query = await world.telegram.user_taps_button(USER, "30✅")
    await world.telegram.wait_for_bot(USER, calls=2)  # the alert, and today's calendar in its place
    answer = await world.telegram.answered(query)
    assert (
        answer is not None and answer["text"] == "Tanggal itu sudah lewat. Silakan pilih tanggal lain yang belum lewat."
    )
    message = await world.telegram.last_bot_message(USER)
    assert message is not None and message["reply_markup"]["inline_keyboard"][0][1]["text"] == "Desember 2026"


async def test_an_old_copy_of_the_summary_says_the_booking_is_confirmed_already(world: BotWorld) -> None:
    await _ready(world)
    await _to_summary(world)
    message_id, confirm = await _data_of(world, "✅ Konfirmasi pesanan")
    await world.telegram.user_sends_sticker(USER)  # the summary again, as a new message
    await world.telegram.wait_for_bot(USER, calls=2)
    await world.tap(USER, "✅ Konfirmasi pesanan", calls=3)
    query = await world.telegram.user_taps(USER, message_id, confirm)
    await world.telegram.wait_for_bot(USER)
    answer = await world.telegram.answered(query)
    assert answer is not None and answer["text"].startswith("Pesanan ini sudah dikonfirmasi: kode ")
    assert len([m for m in await world.telegram.chat(USER) if m.get("document")]) == 1


async def test_a_province_with_more_than_eight_offices_lists_every_one_and_a_wide_search_says_how_to_narrow_it(
    world: BotWorld,
) -> None:
    shipped = parse_offices_csv(shipped_offices_csv())
    for office in shipped:
        await add_office(world.runtime, office)
    east_java = sorted(office_label(o) for o in shipped if o.province == "Jawa Timur")
    assert len(east_java) > 8
    await register(world.runtime, Vault(SECRET), USER)  # a Jakarta family card: its province comes first
    await world.text(USER, "/menu")
    await world.tap(USER, "📅 Pesan antrean", calls=2)
    await world.tap(USER, "Pilih dari daftar provinsi", calls=2)
    await world.tap(USER, "Jawa Timur", calls=2)
    listed = await world.telegram.last_bot_message(USER)
    assert listed is not None
    labels = [b["text"] for row in listed["reply_markup"]["inline_keyboard"] for b in row]
    assert sorted(label for label in labels if " · " in label) == east_java
    await world.text(USER, "Jawa")
    assert (await world.last(USER)).startswith("Pilih kantor (8 pertama dari ")
