"""The audit log as an officer reads it: each action and field in their language, values as words, local times."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.domain.audit import AuditEntry
from core.domain.offices import ZONE_LABELS, Office
from web.i18n import local_datetime

Gettext = Callable[[str], str]

# Where an entry names no office (staff accounts, the command line), times are in Jakarta's zone, labelled.
NO_OFFICE_ZONE = "Asia/Jakarta"


def N_(text: str) -> str:
    """gettext's mark for a text to extract now and translate when shown."""
    return text


# Every action a use case records (core/services): a test checks none is missing.
ACTIONS = {
    "staff_created": N_("Staff account created"),
    "staff_activated": N_("Staff account turned on"),
    "staff_deactivated": N_("Staff account turned off"),
    "staff_signed_out": N_("Signed out everywhere"),
    "staff_password_changed": N_("Password changed"),
    "capacity_set": N_("Capacity changed"),
    "slot_template_set": N_("Slot template changed"),
    "fair_opening_set": N_("Opening by draw turned on or off"),
    "date_closed": N_("Date closed"),
    "released": N_("Dates opened for booking"),
    "checked_in": N_("Checked in"),
    "name_corrected": N_("Name corrected"),
    "application_type_revised": N_("Application type changed"),
    "broadcast_sent": N_("Announcement sent"),
    "broadcast_paused": N_("Announcement paused"),
    "broadcast_resumed": N_("Announcement resumed"),
    "broadcast_cancelled": N_("Announcement cancelled"),
    "ticket_answered": N_("Question answered"),
    "ticket_closed": N_("Question closed"),
    "ticket_reopened": N_("Question reopened"),
    "move_elsewhere_allowed": N_("Allowed to move to another office"),
    "ticket_closed_quiet": N_("Question closed after days without a reply"),
    "faq_entry_written": N_("FAQ entry written"),
    "faq_entry_changed": N_("FAQ entry changed"),
    "faq_entry_retired": N_("FAQ entry retired"),
    "unanswered_set_aside": N_("Unanswered questions set aside"),
}

FIELDS = {
    "active": N_("active"),
    "role": N_("role"),
    "offices": N_("offices"),
    "sessions": N_("sessions ended"),
    "capacity": N_("capacity"),
    "slots": N_("slots"),
    "days": N_("dates"),
    "positions": N_("applicants (position in the booking)"),
    "full_name": N_("name"),
    "application_type": N_("application type"),
    "cancelled": N_("bookings cancelled"),
    "applicants": N_("applicants"),
    "audience": N_("to"),
    "day": N_("date"),
    "recipients": N_("recipients"),
    "rows": N_("messages"),
}

ROLES = {
    "admin": N_("administrator"),
    "office": N_("office"),
    "counter": N_("counter"),
    "support": N_("help desk"),
}

APPLICATION_TYPES = {"new": N_("new passport"), "replacement": N_("replacement")}


def role_name(role: str, _: Gettext) -> str:
    return _(ROLES[role]) if role in ROLES else role


def _value(key: str, value: Any, _: Gettext) -> str:
    """A stored value in words: yes/no, lists joined, roles and types translated; never a Python repr."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(_value(key, v, _) for v in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(k, v, _)}" for k, v in value.items())
    if key == "role":
        return role_name(str(value), _)
    if key == "application_type" and value in APPLICATION_TYPES:
        return _(APPLICATION_TYPES[value])
    return str(value)


@dataclass(frozen=True, slots=True)
class AuditLine:
    entry: AuditEntry
    when: str  # in the office's zone, with its label
    action: str
    before: tuple[tuple[str, str], ...]
    after: tuple[tuple[str, str], ...]


def _fields(values: Mapping[str, Any], _: Gettext) -> tuple[tuple[str, str], ...]:
    return tuple((_(FIELDS[k]) if k in FIELDS else k, _value(k, v, _)) for k, v in values.items())


def audit_lines(entries: Iterable[AuditEntry], offices: Iterable[Office], lang: str, _: Gettext) -> list[AuditLine]:
    """Each entry ready to show: its time in its office's zone (else Jakarta's), its words translated."""
    zones = {o.code: o.timezone for o in offices}
    lines = []
    for e in entries:
        zone = zones.get(e.office_code or "", NO_OFFICE_ZONE)
        when = f"{local_datetime(e.at, zone, lang)} {ZONE_LABELS[zone]}"
        action = _(ACTIONS[e.action]) if e.action in ACTIONS else e.action
        lines.append(AuditLine(e, when, action, _fields(e.before, _), _fields(e.after, _)))
    return lines
