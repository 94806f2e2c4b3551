"""Every number the data checks compare against, in one place.

The rules themselves (what counts as off-platform contact, a market rate, a scope) live in
dbt; these thresholds only decide when a dbt-computed value is bad enough to fail a check.
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

# -- Client legitimacy (on marts.fct_postings; failing rows become quality.posting_flags) --------

# dbt's own flag_score_threshold var decides the mart's score-based is_flagged; this check
# records the same postings as flags with their score, so each flag names its check.
MIN_LEGITIMACY_SCORE = 50
# Plausible pay, in USD: outside these bands the budget is absurd for a real client.
PLAUSIBLE_HOURLY_USD = (5.0, 300.0)
PLAUSIBLE_FIXED_USD = (100.0, 1_000_000.0)
# Pay against the skill's own market median (dbt's pay_vs_market_ratio): far above it is a
# lure. No lower bound: plenty of genuine postings pay below the median.
MAX_PAY_VS_MARKET_RATIO = 5.0
# Fixed budget against the typical cost of the scope the text describes (dbt's
# budget_scope_ratio): "$50 for a whole marketplace app" is far below this.
MIN_BUDGET_SCOPE_RATIO = 0.01
# Most near-identical postings one client may publish in the velocity window.
MAX_CLIENT_POSTING_VELOCITY = 10

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
