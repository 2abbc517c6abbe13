"""Member rules that other features rely on (consent, who can be reached)."""
