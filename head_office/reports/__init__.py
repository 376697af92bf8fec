"""Reports: projections kept by events, report queries, CSV export and the dashboard."""
