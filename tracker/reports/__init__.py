"""Reports: pure arithmetic (`compute`), gathering from the store (`build`),
the text rendering (`text`), number formatting and the chart, and the click
log as CSV (`export`). `campaign_report` is the one entry point, and
`campaign_orders` lists the orders behind its figures."""

from .build import campaign_orders, campaign_report, campaign_summaries

__all__ = ["campaign_orders", "campaign_report", "campaign_summaries"]
