"""A file as a header and (line, row) records, whether CSV or XLSX.

CSV goes through tracker.imports.read_csv (dialect sniffing, BOM, size
limit, clear decoding errors). XLSX is read with openpyxl in read-only,
values-only mode from the first worksheet; its rows keep their cell types
(numbers, datetime cells) and their line numbers are the sheet's row
numbers, as Excel shows them. Either way the header is lower-cased, as
read_csv does, and empty rows are left out.

`source` is a path, a binary stream (an upload) or a text stream.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time

from .. import imports, settings
from ..errors import BadInput, TooLarge, TrackerError

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003)
#: An XLSX unpacks to more than its size; past this multiple of the import
#: limit it is refused before it is parsed (a zip bomb, or simply too big).
XLSX_EXPANSION = 10

Record = imports.Record


def read_table(source, filename: str) -> tuple[list[str], Iterator[Record]]:
    if isinstance(source, io.TextIOBase):
        return imports.read_csv(source)
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            magic = f.read(4)
        if magic != ZIP_MAGIC:
            _refuse_other(magic, filename)
            return imports.read_csv(source)
        _limit(os.path.getsize(source), filename)
        return read_xlsx(source, filename)
    data = source.read(settings.read("TRACKER_MAX_IMPORT_BYTES") + 1)
    _limit(len(data), filename)
    if data[:4] != ZIP_MAGIC:
        _refuse_other(data[:4], filename)
        return imports.read_csv(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=""))
    return read_xlsx(io.BytesIO(data), filename)


def _limit(size: int, filename: str) -> None:
    limit = settings.read("TRACKER_MAX_IMPORT_BYTES")
    if size > limit:
        raise TooLarge(
            f"{filename} is larger than the limit of {limit} bytes (TRACKER_MAX_IMPORT_BYTES)"
        )


def _refuse_other(magic: bytes, filename: str) -> None:
    if magic == OLE_MAGIC:
        raise BadInput(f"{filename} is an old Excel .xls workbook; save it as .xlsx or CSV UTF-8")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise BadInput(
            f"{filename} is not an Excel .xlsx workbook (its content is not a zip "
            "archive); export the report again"
        )


def read_xlsx(source, filename: str) -> tuple[list[str], Iterator[Record]]:
    from openpyxl import load_workbook  # only XLSX imports pay for it

    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        limit = XLSX_EXPANSION * settings.read("TRACKER_MAX_IMPORT_BYTES")
        if unpacked > limit:
            raise TooLarge(f"{filename} unpacks to {unpacked} bytes; the limit is {limit}")
        if hasattr(source, "seek"):
            source.seek(0)
        book = load_workbook(source, read_only=True, data_only=True)
    except TrackerError:
        raise
    except Exception as exc:  # a damaged workbook fails in many ways; all mean the same
        raise BadInput(
            f"{filename} is not a readable .xlsx workbook ({exc}); "
            "export it again or save it as CSV UTF-8"
        ) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        line, header = 0, None
        for line, cells in enumerate(rows, 1):  # noqa: B007  (the header's line, read below)
            if any(_filled(c) for c in cells):
                header = [str(c).strip().lower() if c is not None else "" for c in cells]
                break
    except Exception as exc:
        book.close()
        raise BadInput(f"{filename}: the first sheet is not readable ({exc})") from None
    if header is None:
        book.close()
        raise BadInput(f"{filename} is empty (its first sheet has no cells)")

    def records():
        n = line
        try:
            for n, cells in enumerate(rows, line + 1):
                if not any(_filled(c) for c in cells):
                    continue
                yield n, dict(zip(header, (c.strip() if isinstance(c, str) else c for c in cells)))
        except Exception as exc:
            raise BadInput(
                f"{filename}: the sheet is not readable after line {n} ({exc})"
            ) from None
        finally:
            book.close()

    return header, records()


def _filled(cell) -> bool:
    return cell is not None and not (isinstance(cell, str) and not cell.strip())


def as_text(cell) -> str:
    """A cell as CSV would have held it (for code that reads text)."""
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)
