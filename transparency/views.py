"""The public statistics pages and open-data downloads: they read only the summary tables of a
published release (transparency.selectors)."""

# --- Pages: /stats/ and the methodology ----------------------------------------------------------


# --- Open data: the data page, downloads and the data dictionary ---------------------------------
