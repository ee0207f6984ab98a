"""The one exception tree of livermdt, and where errors become exit codes or HTTP statuses.

::

    LivermdtError                      exit 1 / HTTP 500 unless a subclass says otherwise
     +-- InvalidInputError             exit 2 / HTTP 422: the input is wrong, the user can fix it
     |    +-- CaseValidationError      a case document breaks case-v1 (``problems``: one line each)
     |    +-- ImagingInputError        a label map cannot be read or understood
     |    +-- ImportDataError          a registry / CSV import has bad rows (nothing was written)
     +-- NotFoundError                 exit 1 / HTTP 404
     +-- ConflictError                 exit 1 / HTTP 409: an edit based on an outdated version
     +-- PermissionDeniedError         exit 1 / HTTP 403
     +-- MissingExtraError             exit 1: an optional dependency is not installed

Messages never contain patient data beyond what the user typed in the same command.
"""

from __future__ import annotations

from collections.abc import Sequence


class LivermdtError(Exception):
    """Base of every error livermdt raises on purpose."""

    exit_code: int = 1
    http_status: int = 500


class InvalidInputError(LivermdtError):
    """The input is wrong and the user can correct it."""

    exit_code = 2
    http_status = 422

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems: list[str] = list(problems) if problems else [message]


class CaseValidationError(InvalidInputError):
    """A case document breaks the case-v1 rules; ``problems`` lists every one, as
    ``path: what is wrong (got VALUE)``."""

    def __init__(self, problems: Sequence[str]) -> None:
        n = len(problems)
        super().__init__(f"invalid case document: {n} problem{'s' if n != 1 else ''}", problems)


class ImagingInputError(InvalidInputError):
    """A label map cannot be read, is not a label map, or its labels cannot be determined."""


class ImportDataError(InvalidInputError):
    """Rows of an import are wrong; the import wrote nothing."""


class NotFoundError(LivermdtError):
    http_status = 404


class ConflictError(LivermdtError):
    http_status = 409


class PermissionDeniedError(LivermdtError):
    http_status = 403


class MissingExtraError(LivermdtError):
    """An optional dependency group is not installed; the message gives the install command."""

    def __init__(self, extra: str, module: str) -> None:
        super().__init__(
            f"this feature needs the optional dependency '{module}': "
            f"pip install 'livermdt[{extra}]'"
        )
