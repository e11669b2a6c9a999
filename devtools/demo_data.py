"""The embedded demo's data: which offices get released days, and the demo's staff logins."""

from __future__ import annotations

DEMO_OFFICES = ("JKT-SEL", "DPS", "JYP")  # one office in each zone: WIB, WITA, WIT
DEMO_TOKEN = "123456:ANTREAN-DEMO"  # the stand-in accepts any token; Telegram never sees this one
DEMO_BOT_USERNAME = "antrean_demo_bot"
# Printed by the demo so that a newcomer can sign in; a demo database only, never a real one.
DEMO_PASSWORD = "antrean-demo"
# (username, display name, role, office codes); roles by their names in the staff model.
DEMO_STAFF: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("admin", "Administrator Demo", "admin", ()),
    ("kantor", "Petugas Kantor Demo", "office", ("JKT-SEL",)),
    ("loket", "Petugas Loket Demo", "counter", ("JKT-SEL",)),
)
