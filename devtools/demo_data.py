"""The embedded demo's data: which offices get released days, and the demo's staff logins."""

from __future__ import annotations

from datetime import date

DEMO_OFFICES = ("JKT-SEL", "DPS", "JYP")  # one office in each zone: WIB, WITA, WIT
DEMO_TOKEN = "123456:ANTREAN-DEMO"  # the stand-in accepts any token; Telegram never sees this one
DEMO_BOT_USERNAME = "antrean_demo_bot"
# Printed by the demo so that a newcomer can sign in; a demo database only, never a real one.
DEMO_PASSWORD = "coba-antrean-demo"  # "try the antrean demo": strong enough for the estimator, easy to type
# (username, display name, role, office codes); roles by their names in the staff model.
DEMO_STAFF: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("admin", "Administrator Demo", "admin", ()),
    ("kantor", "Petugas Kantor Demo", "office", ("JKT-SEL",)),
    ("loket", "Petugas Loket Demo", "counter", ("JKT-SEL",)),
    ("bantuan", "Petugas Layanan Demo", "support", ()),
)

# Families booked for today at the counter's office, so that check-in can be tried at once: (owner, members),
# each person (name as on the e-KTP, date of birth). Made-up people.
TODAY_OFFICE = "JKT-SEL"
# An office whose weekly opening goes by draw: its calendar offers registration for the next opening all week.
FAIR_OFFICE = "JKT-PST"
TODAY_FAMILIES: tuple[tuple[tuple[str, date], tuple[tuple[str, date], ...]], ...] = (
    (("Budi Santoso", date(1984, 5, 17)), (("Sari Santoso", date(1987, 9, 2)), ("Rafi Santoso", date(2013, 1, 23)))),
    (("Rina Wulandari", date(1992, 11, 8)), ()),
    (("Agus Pratama", date(1979, 2, 28)), (("Dewi Pratama", date(1981, 6, 30)),)),
)


def demo_nik(born: date, today: date, family: int, position: int, *, region: str = "317401") -> str:
    """A well-formed NIK for a demo person, new each day (a NIK owns one account, and yesterday's are frozen)."""
    serial = 1 + (today.toordinal() * 40 + family * 8 + position) % 9999
    return f"{region}{born:%d%m%y}{serial:04d}"
