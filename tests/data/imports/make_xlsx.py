"""Writes meta_ads_by_day.xlsx and tiktok_ads_by_day.xlsx from their CSV twins.

Run once, by hand, when a CSV twin changes; the output is committed:

    /path/to/venv/bin/python tests/data/imports/make_xlsx.py

The workbooks hold what the platforms' XLSX exports hold: numbers as number
cells, empty cells for nothing, text for "-" and percentages. Meta's days
are written as date cells and TikTok's as text, so that tests cover both.
"""
import csv
import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
FIXED_TIME = datetime(2026, 11, 5, 12, 0, 0)        # the same bytes on every run
DATE_COLUMNS = {"meta_ads_by_day": {"Day", "Reporting starts", "Reporting ends"},
                "tiktok_ads_by_day": set()}


def cell(value: str, header: str, date_columns: set):
    if value == "":
        return None
    if header in date_columns:
        return datetime.strptime(value, "%Y-%m-%d")
    if re.fullmatch(r"\d+", value):
        return int(value)
    if re.fullmatch(r"\d+\.\d+", value):
        return float(value)
    return value


def write(name: str, sheet_title: str) -> None:
    with open(HERE / f"{name}.csv", newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet.append(header)
    for row in rows:
        sheet.append([cell(v, h, DATE_COLUMNS[name]) for h, v in zip(header, row)])
    for column in DATE_COLUMNS[name]:
        letter = sheet.cell(1, header.index(column) + 1).column_letter
        for c in sheet[letter][1:]:
            c.number_format = "yyyy-mm-dd"
    book.properties.created = book.properties.modified = FIXED_TIME
    packed = io.BytesIO()
    book.save(packed)
    # openpyxl stamps the zip entries and docProps' "modified" with the time of
    # saving, whatever the properties say: pin both, for the same bytes every run
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(packed) as src, \
            zipfile.ZipFile(HERE / f"{name}.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp, content)
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(fixed, content)


if __name__ == "__main__":
    write("meta_ads_by_day", "Raw Data Report")
    write("tiktok_ads_by_day", "Sheet1")
