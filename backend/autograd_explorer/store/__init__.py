"""Where trained models live: SQLite records and curves, weight files written atomically."""
