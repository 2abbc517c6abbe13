"""A member's own data: what /mydata shows and what /delete erases, across every feature."""
