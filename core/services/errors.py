"""Errors of the use cases that are not rules of the domain: things asked for that do not exist."""

from __future__ import annotations

from core.domain.errors import DomainError


class OfficeNotFound(DomainError):
    code = "office_not_found"

    def __init__(self, office_code: str) -> None:
        self.office_code = office_code
        super().__init__(office_code)


class SlotNotFound(DomainError):
    code = "slot_not_found"

    def __init__(self, slot_id: int) -> None:
        self.slot_id = slot_id
        super().__init__(str(slot_id))


class StaffNotFound(DomainError):
    code = "staff_not_found"

    def __init__(self, staff_id: int) -> None:
        self.staff_id = staff_id
        super().__init__(str(staff_id))


class AccountNotFound(DomainError):
    code = "account_not_found"
