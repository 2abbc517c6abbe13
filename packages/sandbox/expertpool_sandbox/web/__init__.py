"""The sandbox page's static files (package data: HTML, CSS, JavaScript)."""
