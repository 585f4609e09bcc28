"""Domain errors every app raises; the API and views map them to 4xx responses."""

from __future__ import annotations


class DomainError(Exception):
    """Base of errors caused by the request, never by a bug."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    status = 400
    code = "invalid"


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"
