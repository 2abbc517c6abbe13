"""Operations: Prometheus metrics (metrics, server) and error reports with rate-limited
alerts to the admins' chat (errors)."""
