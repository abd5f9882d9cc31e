"""Ranges every layer shares (models, kb check, import, CLI options): a value outside them is a
clear error where it is written, never an overflow further down. No imports, so the CLI's
option parsing can use them without loading the models."""

from __future__ import annotations

YEAR_MIN, YEAR_LIMIT = 1600, 9999   # kb check wants YEAR_MIN..next year; the model refuses more
SESSION_MAX = 999
MAX_TAGS = 50  # per paper or poster; the site's tags index grows with the square beyond sense
