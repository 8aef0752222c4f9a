"""Errors a user can act on. The CLI prints `message` and exits 2; HTTP
answers `status` with {"error": {"code", "message", "details"}}."""


class TrackerError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details=None):
        super().__init__(message)
        self.message = message
        self.details = details

    def as_json(self) -> dict:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}

    @property
    def headers(self) -> dict:
        """HTTP headers that go with the answer (e.g. Retry-After)."""
        return {}


class BadInput(TrackerError):
    status, code = 400, "invalid"


class NotFound(TrackerError):
    status, code = 404, "not_found"


class Duplicate(TrackerError):
    status, code = 409, "duplicate"


class Unauthorized(TrackerError):
    status, code = 401, "unauthorized"


class TooLarge(TrackerError):
    status, code = 413, "too_large"


class Forbidden(TrackerError):
    status, code = 403, "forbidden"


class TooManyRequests(TrackerError):
    status, code = 429, "too_many_requests"

    def __init__(self, message: str, details=None, retry_after: int | None = None):
        super().__init__(message, details)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}
