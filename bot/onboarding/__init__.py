"""Onboarding: language, consent, region and the intake (asked on the survey engine)."""
