"""The printed daily list of expected applicants: its text read back page by page."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime, time

import pypdf
import pytest

from core.documents.daily_list import (
    DailyList,
    DailyListLabels,
    ListedApplicant,
    ListedBooking,
    ListedSlot,
    render_daily_list,
)
from core.domain.identity import mask_number
from tests.factories import shipped_office

LABELS = DailyListLabels(
    title="Daftar Kedatangan Pemohon",
    printed="Dicetak {when}",
    times_in="Semua jam dalam {zone}",
    queue="No.",
    booking_code="Kode booking",
    name="Nama",
    nik="NIK",
    application_type="Jenis",
    check_in="Hadir",
    type_new="Baru",
    type_replacement="Penggantian",
    held="Belum dikonfirmasi",
    applicants="{n} pemohon",
    capacity="kuota {n}",
    continued="(lanjutan)",
    empty="Tidak ada pemohon yang terdaftar pada hari ini.",
    page="Halaman {page} dari {pages}",
)

OWNER_NIK = "3174016711900001"


def _applicant(
    position: int, queue_no: int | None, name: str, nik: str = OWNER_NIK, *, checked_in_at: datetime | None = None
) -> ListedApplicant:
    return ListedApplicant(position, queue_no, name, mask_number(nik), "new", checked_in_at)


MORNING = ListedSlot(
    start=time(8),
    end=time(9),
    capacity=20,
    bookings=(
        ListedBooking(
            "K7PMQ3XA",
            "confirmed",
            (
                ListedApplicant(1, 1, "Budi Santoso", "3174********0001", "replacement", None),
                ListedApplicant(2, 2, "Putri Ayu Lestari", "3174********0002", "new", None),
            ),
        ),
        ListedBooking("H4NDQ9RT", "held", (_applicant(1, None, "Agus Salim"),)),
    ),
)
LATER = ListedSlot(
    start=time(9),
    end=time(10),
    capacity=20,
    bookings=(
        ListedBooking(
            "W2ZXC8LM",
            "confirmed",
            (_applicant(1, 3, "Sri Wahyuni", checked_in_at=datetime(2026, 11, 30, 1, 5, tzinfo=UTC)),),
        ),
    ),
)

DAY = DailyList(
    office=shipped_office("JKT-SEL"),
    day=date(2026, 11, 30),  # a Monday
    slots=(MORNING, LATER),
    full_nik=False,
    printed_at=datetime(2026, 11, 29, 23, 45, tzinfo=UTC),  # 06:45 on the day, in Jakarta
)


def _one_booking(*applicants: ListedApplicant) -> DailyList:
    """The day with a single booking in the 09:00 slot."""
    return replace(DAY, slots=(replace(LATER, bookings=(ListedBooking("W2ZXC8LM", "confirmed", applicants),)),))


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def _big_day(applicants: int) -> DailyList:
    """`applicants` applicants in bookings of up to three, ten slots of the day."""
    slots = []
    queue_no = 0
    for hour in range(8, 18):
        bookings = []
        for b in range(4):
            party = []
            for position in range(1, 4):
                if queue_no == applicants:
                    break
                queue_no += 1
                party.append(
                    _applicant(position, queue_no, f"Pemohon Nomor {queue_no:03d}", f"31740167119{queue_no:05d}")
                )
            if party:
                bookings.append(ListedBooking(f"B{hour:02d}{b}AAAA", "confirmed", tuple(party)))
        slots.append(ListedSlot(time(hour), time(hour + 1), 12, tuple(bookings)))
    assert queue_no == applicants
    return replace(DAY, slots=tuple(slots))


@pytest.fixture(scope="module")
def text() -> str:
    (page,) = _pages(render_daily_list(DAY, LABELS, "id"))
    return page


def test_the_list_is_a4_portrait() -> None:
    box = pypdf.PdfReader(io.BytesIO(render_daily_list(DAY, LABELS, "id"))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_the_header_names_the_office_the_day_the_zone_and_when_it_was_printed(text: str) -> None:
    assert "Daftar Kedatangan Pemohon" in text
    assert DAY.office.name in text
    assert DAY.office.address in text
    assert "Senin, 30 November 2026" in text
    assert "Semua jam dalam WIB" in text
    assert "Dicetak Senin, 30 November 2026 06:45 WIB" in text
    assert "4 pemohon" in text


def test_every_applicant_appears_with_their_booking_code(text: str) -> None:
    for name in ("Budi Santoso", "Putri Ayu Lestari", "Agus Salim", "Sri Wahyuni"):
        assert name in text
    for code in ("K7PM-Q3XA", "H4ND-Q9RT", "W2ZX-C8LM"):
        assert text.count(code) == 1  # on the first applicant row of its booking only


def test_applicants_are_grouped_under_their_slot_times(text: str) -> None:
    morning = text.index("08:00–09:00 WIB")
    later = text.index("09:00–10:00 WIB")
    assert morning < text.index("K7PM-Q3XA") < text.index("Budi Santoso") < text.index("Putri Ayu Lestari") < later
    assert morning < text.index("Agus Salim") < later < text.index("W2ZX-C8LM") < text.index("Sri Wahyuni")


def test_each_slot_shows_its_applicant_count_and_capacity(text: str) -> None:
    assert "3 pemohon · kuota 20" in text
    assert "1 pemohon · kuota 20" in text


def test_a_held_booking_is_marked_as_not_confirmed(text: str) -> None:
    assert text.count("Belum dikonfirmasi") == 1
    assert text.index("H4ND-Q9RT") < text.index("Belum dikonfirmasi") < text.index("09:00–10:00 WIB")


def test_the_application_type_is_named_in_words(text: str) -> None:
    assert "Penggantian" in text
    assert "Baru" in text


def test_a_masked_nik_stays_masked(text: str) -> None:
    assert "3174********0001" in text
    assert "3174********0002" in text
    assert OWNER_NIK not in text


def test_a_full_nik_is_printed_whole_for_the_counter() -> None:
    day = _one_booking(replace(_applicant(1, 3, "Sri Wahyuni"), nik=OWNER_NIK))
    (text,) = _pages(render_daily_list(replace(day, full_nik=True), LABELS, "id"))
    assert OWNER_NIK in text


def test_a_full_nik_on_a_list_without_full_niks_is_masked() -> None:
    day = _one_booking(replace(_applicant(1, 3, "Sri Wahyuni"), nik=OWNER_NIK))
    (text,) = _pages(render_daily_list(day, LABELS, "id"))
    assert OWNER_NIK not in text
    assert "3174********0001" in text


def test_a_check_in_shows_in_the_offices_local_time(text: str) -> None:
    assert "08:05" in text  # 01:05 UTC in Asia/Jakarta
    assert "01:05" not in text


def test_a_check_in_in_eastern_indonesia_shows_in_wit() -> None:
    east = replace(DAY, office=replace(DAY.office, timezone="Asia/Jayapura"))
    (text,) = _pages(render_daily_list(east, LABELS, "id"))
    assert "10:05" in text
    assert "08:00–09:00 WIT" in text


def test_a_long_day_spans_several_pages_with_the_header_and_page_numbers_on_each() -> None:
    pages = _pages(render_daily_list(_big_day(120), LABELS, "id"))
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "Daftar Kedatangan Pemohon" in page
        assert DAY.office.name in page
        assert "Senin, 30 November 2026" in page
        assert f"Halaman {number} dari {len(pages)}" in page
    everything = "\n".join(pages)
    for queue_no in range(1, 121):
        assert everything.count(f"Pemohon Nomor {queue_no:03d}") == 1


def test_a_booking_stays_on_one_page_and_a_slot_that_runs_on_repeats_its_heading() -> None:
    day = _big_day(120)
    pages = _pages(render_daily_list(day, LABELS, "id"))
    for booking in (b for slot in day.slots for b in slot.bookings):
        (page,) = [p for p in pages if booking.applicants[0].full_name in p]
        assert all(a.full_name in page for a in booking.applicants)
    for page in pages:
        body = page.split("Semua jam dalam WIB · 120 pemohon\n", 1)[1]
        assert re.match(r"\d\d:00–\d\d:00 WIB( \(lanjutan\))?\n", body)  # no page starts without its slot
    assert any("(lanjutan)" in page for page in pages)


def test_an_empty_day_says_there_are_no_bookings() -> None:
    for slots in ((), (replace(MORNING, bookings=()),)):
        pages = _pages(render_daily_list(replace(DAY, slots=slots), LABELS, "id"))
        assert len(pages) == 1
        assert "Tidak ada pemohon yang terdaftar pada hari ini." in pages[0]
        assert "Halaman 1 dari 1" in pages[0]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Doğan Yılmaz", "Dogan Yilmaz"),
        ("Nguyễn Thị Thủy", "Nguyen Thi Thuy"),
        ("Rina 😀 Kartika", "Rina ? Kartika"),
        ("李小龍", "???"),
        ("José Müller", "José Müller"),
    ],
)
def test_a_name_with_non_latin_characters_renders_without_error(name: str, shown: str) -> None:
    (text,) = _pages(render_daily_list(_one_booking(_applicant(1, 3, name)), LABELS, "id"))
    assert shown in text


def test_a_very_long_name_is_cut_to_two_lines_and_the_row_stays_readable() -> None:
    long_name = "Raden Ajeng Siti Nurhaliza Kusumawardhani Prameswari Putri Ayu Lestari Wulandari Ningsih Sekar"
    no_spaces = "X" * 200
    day = _one_booking(_applicant(1, 3, long_name), _applicant(2, 4, no_spaces))
    (text,) = _pages(render_daily_list(day, LABELS, "id"))
    assert "Raden Ajeng Siti" in text
    assert "Sekar" not in text
    assert "…" in text
    assert "X" * 200 not in text
    assert "3174********0001" in text


def test_an_english_list_names_the_day_in_english() -> None:
    (text,) = _pages(render_daily_list(DAY, LABELS, "en"))
    assert "Monday, 30 November 2026" in text
    assert "Senin" not in text


def test_the_same_list_gives_the_same_bytes() -> None:
    assert render_daily_list(DAY, LABELS, "id") == render_daily_list(DAY, LABELS, "id")
