"""Platform metrics exports (Meta Ads Manager, TikTok Ads Manager, TikTok
Studio, Instagram / Meta Business Suite, and this tracker's own layout),
read as marketers download them: CSV or XLSX -> daily rows per creator."""

from .parse import ParsedMetrics, parse_metrics

__all__ = ["ParsedMetrics", "parse_metrics"]
