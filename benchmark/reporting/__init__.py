"""Reporting: tables over seeds, significance, stability, published rows; Markdown, CSV, JSON and HTML."""
