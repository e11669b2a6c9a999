"""The shipped office catalogue: every row sourced, codes well formed, zones by province, the Kanwil it covers."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from importlib import resources

from core.domain.offices import OfficeKind
from core.services.offices import parse_offices_csv, shipped_offices_csv

CATALOGUE = parse_offices_csv(shipped_offices_csv())
SOURCES = list(
    csv.DictReader(
        io.StringIO(resources.files("core").joinpath("data/offices.sources.csv").read_text(encoding="utf-8"))
    )
)
NOT_YET_SOURCED = "shipped before sourcing was recorded"

# The 33 regional offices, one per province as the provinces stood before 2012; Kalimantan Utara is served from
# Kalimantan Timur and the provinces split from Papua in 2022 from Kanwil Papua and Kanwil Papua Barat.
KANWIL = {
    "Kanwil Aceh",
    "Kanwil Sumatera Utara",
    "Kanwil Sumatera Barat",
    "Kanwil Riau",
    "Kanwil Kepulauan Riau",
    "Kanwil Jambi",
    "Kanwil Bengkulu",
    "Kanwil Sumatera Selatan",
    "Kanwil Kepulauan Bangka Belitung",
    "Kanwil Lampung",
    "Kanwil Banten",
    "Kanwil DKI Jakarta",
    "Kanwil Jawa Barat",
    "Kanwil Jawa Tengah",
    "Kanwil Daerah Istimewa Yogyakarta",
    "Kanwil Jawa Timur",
    "Kanwil Bali",
    "Kanwil Nusa Tenggara Barat",
    "Kanwil Nusa Tenggara Timur",
    "Kanwil Kalimantan Barat",
    "Kanwil Kalimantan Tengah",
    "Kanwil Kalimantan Selatan",
    "Kanwil Kalimantan Timur",
    "Kanwil Sulawesi Utara",
    "Kanwil Gorontalo",
    "Kanwil Sulawesi Tengah",
    "Kanwil Sulawesi Barat",
    "Kanwil Sulawesi Selatan",
    "Kanwil Sulawesi Tenggara",
    "Kanwil Maluku",
    "Kanwil Maluku Utara",
    "Kanwil Papua",
    "Kanwil Papua Barat",
}


WIB, WITA, WIT = "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"
ZONE_OF_PROVINCE = {
    **dict.fromkeys(
        [
            "Aceh",
            "Sumatera Utara",
            "Sumatera Barat",
            "Riau",
            "Kepulauan Riau",
            "Jambi",
            "Bengkulu",
            "Sumatera Selatan",
            "Kepulauan Bangka Belitung",
            "Lampung",
            "Banten",
            "DKI Jakarta",
            "Jawa Barat",
            "Jawa Tengah",
            "Daerah Istimewa Yogyakarta",
            "Jawa Timur",
            "Kalimantan Barat",
            "Kalimantan Tengah",
        ],
        WIB,
    ),
    **dict.fromkeys(
        [
            "Bali",
            "Nusa Tenggara Barat",
            "Nusa Tenggara Timur",
            "Kalimantan Selatan",
            "Kalimantan Timur",
            "Kalimantan Utara",
            "Sulawesi Utara",
            "Gorontalo",
            "Sulawesi Tengah",
            "Sulawesi Barat",
            "Sulawesi Selatan",
            "Sulawesi Tenggara",
        ],
        WITA,
    ),
    **dict.fromkeys(
        [
            "Maluku",
            "Maluku Utara",
            "Papua",
            "Papua Barat",
            "Papua Barat Daya",
            "Papua Selatan",
            "Papua Tengah",
            "Papua Pegunungan",
        ],
        WIT,
    ),
}

# Kantor Imigrasi take a city code (SMG) or a city and a part of it (JKT-SEL); counters take ULP- or MPP-.
CODE_FORM = {
    OfficeKind.KANIM: re.compile(r"[A-Z]{3}(-[A-Z]{3})?"),
    OfficeKind.ULP: re.compile(r"ULP-[A-Z]{3,4}"),
    OfficeKind.MPP: re.compile(r"MPP-[A-Z]{3,4}"),
}


def test_every_office_has_one_source_row_and_every_source_row_an_office() -> None:
    source_codes = [row["code"] for row in SOURCES]

    assert [code for code, n in Counter(source_codes).items() if n > 1] == []
    assert sorted(source_codes) == sorted(o.code for o in CATALOGUE)


def test_every_source_row_names_a_source() -> None:
    assert [row["code"] for row in SOURCES if not row["source"].strip()] == []


def test_an_office_with_a_recorded_source_points_at_a_page_or_a_file() -> None:
    sourced = [row for row in SOURCES if row["source"] != NOT_YET_SOURCED]

    assert sourced, "no office has a recorded source"
    assert [
        row["code"] for row in sourced if not re.search(r"https?://|github:[\w.-]+/[\w.-]+@|seeds/", row["source"])
    ] == []


def test_every_code_is_unique() -> None:
    assert [code for code, n in Counter(o.code for o in CATALOGUE).items() if n > 1] == []


def test_every_code_has_the_form_of_its_kind() -> None:
    assert [(o.code, o.kind.value) for o in CATALOGUE if not CODE_FORM[o.kind].fullmatch(o.code)] == []


def test_every_timezone_is_the_zone_of_the_offices_province() -> None:
    assert [o.province for o in CATALOGUE if o.province not in ZONE_OF_PROVINCE] == []
    assert [(o.code, o.province, o.timezone) for o in CATALOGUE if ZONE_OF_PROVINCE[o.province] != o.timezone] == []


def test_there_are_33_regional_offices_to_cover() -> None:
    assert len(KANWIL) == 33


def test_every_kanwil_in_the_catalogue_is_one_of_the_33() -> None:
    assert sorted({o.kanwil for o in CATALOGUE} - KANWIL) == []


def test_the_catalogue_covers_every_kanwil() -> None:
    assert sorted(KANWIL - {o.kanwil for o in CATALOGUE}) == []


def test_the_seed_leaflets_ulp_bsd_is_in_the_catalogue_under_kanwil_banten() -> None:
    (bsd,) = [o for o in CATALOGUE if o.code == "ULP-BSD"]

    assert bsd.kind is OfficeKind.ULP
    assert "BSD" in bsd.name
    assert (bsd.kanwil, bsd.province, bsd.timezone) == ("Kanwil Banten", "Banten", WIB)
