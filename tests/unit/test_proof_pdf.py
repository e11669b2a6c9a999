"""The booking proof PDF: its text read back, its QR code decoded from the rendered page and verified."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, time

import pypdf
import pypdfium2
import pytest
import zxingcpp
from pypdf.generic import ContentStream

from core.crypto import Vault
from core.documents.proof import ProofApplicant, ProofData, ProofLabels, render_proof
from core.documents.signing import ProofClaim, verify_proof
from core.domain.booking import ApplicationType
from core.domain.identity import mask_number
from core.domain.requirements import Document, documents_to_bring, is_child
from tests.factories import shipped_office

KEY = Vault("test-secret-0123456789abcdef").signing_key
OWNER_NIK = "3174016711900001"
CHILD_NIK = "3174015203150002"

LABELS_ID = ProofLabels(
    title="Bukti Pendaftaran Antrean Paspor",
    booking_code="Kode booking",
    office="Kantor",
    date_time="Tanggal dan jam kedatangan",
    applicants="Pemohon",
    name="Nama",
    nik="NIK",
    application_type="Jenis permohonan",
    queue="No. antrean",
    type_new="Paspor baru",
    type_replacement="Penggantian paspor",
    bring_heading="Yang harus dibawa (asli)",
    documents={
        Document.E_KTP: "e-KTP",
        Document.FAMILY_CARD: "Kartu Keluarga (KK)",
        Document.BIRTH_CERTIFICATE: "akta kelahiran",
        Document.PARENTS_E_KTP: "e-KTP kedua orang tua",
        Document.PARENTS_MARRIAGE_CERTIFICATE: "buku nikah orang tua",
        Document.PARENTS_PASSPORTS: "paspor kedua orang tua",
        Document.OLD_PASSPORT: "paspor lama",
    },
    parents_come="Anak di bawah 17 tahun datang bersama kedua orang tua.",
    name_change="Yang pernah berganti nama membawa penetapan perubahan nama.",
    cancel_until="Pembatalan paling lambat {date}",
    not_cancellable="Pesanan ini tidak bisa dibatalkan.",
    footer="Tunjukkan bukti ini di loket. Petugas memeriksa kode QR; bukti yang diubah tidak berlaku.",
)
LABELS_EN = ProofLabels(
    title="Passport Queue Booking Proof",
    booking_code="Booking code",
    office="Office",
    date_time="Arrival date and time",
    applicants="Applicants",
    name="Name",
    nik="NIK",
    application_type="Application",
    queue="Queue no.",
    type_new="New passport",
    type_replacement="Passport replacement",
    bring_heading="What to bring (originals)",
    documents={d: d.value.replace("_", " ") for d in Document},
    parents_come="A child under 17 comes with both parents.",
    name_change="A changed name: the decision on it.",
    cancel_until="Cancel by {date} at the latest",
    not_cancellable="This booking cannot be cancelled.",
    footer="Show this proof at the counter. Staff check the QR code; an edited proof is not valid.",
)

ARRIVAL = date(2026, 11, 27)  # a Friday


def _applicant(name: str, nik: str, kind: ApplicationType, queue_no: int, born: date) -> ProofApplicant:
    """A row as the proof service makes it: what to bring decided by the domain's rule for the arrival date."""
    return ProofApplicant(name, nik, kind, queue_no, documents_to_bring(born, kind, ARRIVAL), is_child(born, ARRIVAL))


PROOF = ProofData(
    code="K7PMQ3XA",
    office=shipped_office("JKT-SEL"),
    day=ARRIVAL,
    start=time(9, 0),
    end=time(10, 0),
    applicants=(
        _applicant("Budi Santoso", mask_number(OWNER_NIK), ApplicationType.REPLACEMENT, 12, date(1990, 7, 1)),
        _applicant("Putri Ayu Lestari", mask_number(CHILD_NIK), ApplicationType.NEW, 13, date(2015, 3, 9)),
    ),
    last_cancel_day=date(2026, 11, 25),
    locale="id",
)


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def _decode_qr(pdf: bytes, scale: float = 3) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=scale).to_pil()
    finally:
        document.close()
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_proof(PROOF, LABELS_ID, signing_key=KEY)


@pytest.fixture(scope="module")
def text(pdf: bytes) -> str:
    return _text(pdf)


def test_the_proof_is_one_a4_page() -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_proof(PROOF, LABELS_ID, signing_key=KEY)))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_the_proof_shows_the_booking_code_in_groups_of_four(text: str) -> None:
    assert "K7PM-Q3XA" in text


def test_the_proof_shows_the_office_name_and_address(text: str) -> None:
    assert PROOF.office.name in text
    assert PROOF.office.address in text


def test_the_proof_shows_the_day_in_indonesian_and_the_slot_with_its_zone(text: str) -> None:
    assert "Jumat, 27 November 2026" in text
    assert "09:00–10:00 WIB" in text


def test_the_proof_lists_each_applicant_with_masked_nik_type_and_queue_number(text: str) -> None:
    lines = text.splitlines()
    for name, nik, label, queue in [
        ("Budi Santoso", "3174********0001", "Penggantian paspor", "12"),
        ("Putri Ayu Lestari", "3174********0002", "Paspor baru", "13"),
    ]:
        assert name in text
        assert nik in text
        assert label in text
        assert queue in lines


def test_the_full_nik_never_appears(pdf: bytes, text: str) -> None:
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    content = page.get_contents()
    assert content is not None
    raw = content.get_data()
    for nik in (OWNER_NIK, CHILD_NIK):
        assert nik not in text
        assert nik.encode() not in raw


def test_a_full_nik_passed_by_mistake_is_masked_on_the_proof() -> None:
    careless = replace(
        PROOF, applicants=(_applicant("Budi Santoso", OWNER_NIK, ApplicationType.NEW, 1, date(1990, 7, 1)),)
    )
    text = _text(render_proof(careless, LABELS_ID, signing_key=KEY))
    assert OWNER_NIK not in text
    assert "3174********0001" in text


def test_what_to_bring_is_listed_for_each_applicant_with_the_old_passport_for_a_replacement(text: str) -> None:
    flat = " ".join(text.split())
    assert "Yang harus dibawa (asli)" in flat
    assert "Budi Santoso: e-KTP, Kartu Keluarga (KK), paspor lama" in flat
    assert "Yang pernah berganti nama membawa penetapan perubahan nama." in flat


def test_a_child_brings_the_birth_certificate_and_the_parents_papers_not_an_e_ktp(text: str) -> None:
    flat = " ".join(text.split())
    assert (
        "Putri Ayu Lestari: akta kelahiran, Kartu Keluarga (KK), e-KTP kedua orang tua, buku nikah orang tua, "
        "paspor kedua orang tua" in flat
    )
    assert "Anak di bawah 17 tahun datang bersama kedua orang tua." in flat


def test_what_to_bring_leaves_out_the_old_passport_and_the_parents_when_adults_apply_for_new_ones() -> None:
    adults = (
        _applicant("Budi Santoso", mask_number(OWNER_NIK), ApplicationType.NEW, 12, date(1990, 7, 1)),
        _applicant("Sri Wahyuni", mask_number(OWNER_NIK), ApplicationType.NEW, 13, date(1992, 2, 3)),
    )
    flat = " ".join(_text(render_proof(replace(PROOF, applicants=adults), LABELS_ID, signing_key=KEY)).split())
    assert "Sri Wahyuni: e-KTP, Kartu Keluarga (KK)" in flat
    assert "paspor lama" not in flat and "Penggantian paspor" not in flat
    assert "kedua orang tua" not in flat


def test_the_proof_shows_the_last_day_to_cancel(text: str) -> None:
    assert "Pembatalan paling lambat Rabu, 25 November 2026" in text


def test_a_proof_of_a_booking_made_after_its_last_day_to_cancel_says_it_cannot_be_cancelled() -> None:
    text = _text(render_proof(replace(PROOF, cancellable=False), LABELS_ID, signing_key=KEY))
    assert "Pesanan ini tidak bisa dibatalkan." in text
    assert "Pembatalan paling lambat" not in text


def test_an_english_proof_names_the_day_in_english() -> None:
    text = _text(render_proof(replace(PROOF, locale="en"), LABELS_EN, signing_key=KEY))
    assert "Friday, 27 November 2026" in text
    assert "09:00–10:00 WIB" in text
    assert "Cancel by Wednesday, 25 November 2026 at the latest" in text
    assert "Budi Santoso: e ktp, family card, old passport" in text
    assert "Jumat" not in text


def test_the_qr_code_scans_and_its_signature_verifies(pdf: bytes) -> None:
    (payload,) = _decode_qr(pdf)
    assert verify_proof(KEY, payload) == ProofClaim(
        code="K7PMQ3XA", office_code="JKT-SEL", day=date(2026, 11, 27), start=time(9, 0), party=2
    )


def test_the_qr_code_still_scans_from_a_coarse_rendering(pdf: bytes) -> None:
    (payload,) = _decode_qr(pdf, scale=1)  # 72 dpi: each module under five pixels
    assert verify_proof(KEY, payload).code == "K7PMQ3XA"


def test_the_qr_code_is_drawn_as_one_filled_path(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    operations = ContentStream(reader.pages[0].get_contents(), reader).operations
    operators = [operator for _, operator in operations]
    assert operators.count(b"f") == 1
    assert operators.count(b"re") > 50


def test_the_same_booking_gives_the_same_bytes() -> None:
    assert render_proof(PROOF, LABELS_ID, signing_key=KEY) == render_proof(PROOF, LABELS_ID, signing_key=KEY)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Doğan Yılmaz", "Dogan Yilmaz"),
        ("Nguyễn Thị Thủy", "Nguyen Thi Thuy"),
        ("Rina 😀 Kartika", "Rina ? Kartika"),
        ("李小龍", "???"),
        ("José Müller", "José Müller"),  # Latin-1 stays as it is
    ],
)
def test_a_name_outside_latin_1_renders_without_error(name: str, shown: str) -> None:
    proof = replace(
        PROOF, applicants=(_applicant(name, mask_number(OWNER_NIK), ApplicationType.NEW, 1, date(1990, 7, 1)),)
    )
    pdf = render_proof(proof, LABELS_ID, signing_key=KEY)
    assert shown in _text(pdf)
    assert len(_decode_qr(pdf)) == 1


def test_five_children_with_long_names_and_every_paper_fit_on_the_page() -> None:
    long_name = "Raden Ajeng Siti Nurhaliza Kusumawardhani Prameswari Putri"
    party = tuple(
        _applicant(
            f"{long_name} {suffix}",
            mask_number(f"317401671190000{n}"),
            ApplicationType.REPLACEMENT,
            n,
            date(2012, 1, n),
        )
        for n, suffix in enumerate(("Satu", "Dua", "Tiga", "Empat", "Lima"), start=1)
    )
    pdf = render_proof(replace(PROOF, applicants=party), LABELS_ID, signing_key=KEY)
    text = _text(pdf)
    for suffix in ("Satu", "Dua", "Tiga", "Empat", "Lima"):
        assert suffix in text
    assert LABELS_ID.footer.split(";")[0] in text.replace("\n", " ")
    assert verify_proof(KEY, _decode_qr(pdf)[0]).party == 5
