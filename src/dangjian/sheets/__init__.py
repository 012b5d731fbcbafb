"""Excel and CSV: templates, import and export of the app's lists."""
