"""Dashboard and reports: scope and period, on-time figures, program health, the funder
report, the needs-attention lists, charts, the roll-up and their views (docs/dashboard.md)."""
