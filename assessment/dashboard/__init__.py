"""DPMD and committee dashboards (participation, results by region, map, trends)."""
