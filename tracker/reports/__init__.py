"""Reports: pure arithmetic (`compute`), gathering from the store (`build`),
the text rendering (`text`), number formatting and the chart, and the click
log as CSV (`export`). `campaign_report` is the one entry point."""
from .build import campaign_report

__all__ = ["campaign_report"]
