"""Domain errors: each says in data what went wrong; the adapters phrase it for people."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule violation the engine reports; `code` is a stable machine name."""

    code = "domain_error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)
