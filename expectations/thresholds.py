"""Every number the data checks compare against, in one place.

The rules themselves (what counts as off-platform contact, a market rate, a scope) and what is
flagged as a likely scam live in dbt; these thresholds only decide when a dbt-computed value is
bad enough to fail a check.
Change a number here and the next ``midtier check`` uses it: nothing else repeats them.
"""

from __future__ import annotations

# -- Source health (per source, on the raw layer, after each crawl) ------------------------------

# How many of the source's previous runs make its "usual" volume (their median).
VOLUME_BASELINE_RUNS = 5
# The latest run must see more than this share of the usual volume: returning half or less fails.
MIN_VOLUME_RATIO = 0.5
# Highest share of the latest run's postings allowed to lack each key field.
MAX_NULL_SHARE = {"title": 0.05, "url": 0.05}
# Some sources never give a posting time: posted_at may be missing as often as it was in the
# source's earlier postings, plus this much. (Checked only once the source has a history.)
POSTED_AT_NULL_SHARE_TOLERANCE = 0.25
# Highest share of the latest run's records that may end in raw.rejects.
MAX_REJECT_SHARE = 0.2
# Freshness: the source must have yielded a posting Midtier had not seen before within this
# many hours of the run (first_seen_at is Midtier's own clock; posted_at is the source's claim).
MAX_HOURS_SINCE_NEW_POSTING = 7 * 24
# A payload key is "usual" when every earlier payload of the source carried it.
# Earlier payloads sampled for the schema-drift baseline.
DRIFT_BASELINE_POSTINGS = 1000

# -- Client legitimacy ---------------------------------------------------------------------------
# None here: dbt decides what is flagged (seed legitimacy_weights, var flag_score_threshold) and
# the client_legitimacy suite records its verdict.

# -- Mart integrity (critical: a failure stops publication) ---------------------------------------

# Hourly-equivalent USD rates a correct parse and FX conversion can produce, by the posted
# currency; currencies not listed use DEFAULT.
HOURLY_USD_BOUNDS = {
    "USD": (1.0, 2000.0),
    "EUR": (1.0, 2000.0),
    "GBP": (1.0, 2000.0),
    "CHF": (1.0, 2000.0),
    "CAD": (1.0, 1500.0),
    "AUD": (1.0, 1500.0),
    "NOK": (1.0, 1000.0),
    "PLN": (0.5, 500.0),
    "INR": (0.2, 500.0),
}
DEFAULT_HOURLY_USD_BOUNDS = (0.2, 2000.0)
# Per source: highest share of postings whose raw record states pay that dbt read as "unknown".
# Not critical: a weak budget parser for one source is reported, it does not stop publication.
MAX_UNREAD_BUDGET_SHARE = 0.6
# Per source: the mart must hold between this share of the raw postings and all of them.
MIN_MART_TO_RAW_RATIO = 0.95
