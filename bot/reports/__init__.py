"""Survey results as pictures and documents: charts (PNG) and the municipality's report (PDF)."""
