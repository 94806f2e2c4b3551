"""Great Expectations checks on the dbt marts.

``suites`` defines the expectation suites in code; ``runner`` runs them through a checkpoint
against Midtier's database and records each suite's outcome in ``quality.validation_results``.
"""

import logging

# GX logs hundreds of INFO lines while importing; keep its warnings and errors only, unless
# the application configured the logger itself.
_gx_logger = logging.getLogger("great_expectations")
if _gx_logger.level == logging.NOTSET:
    _gx_logger.setLevel(logging.WARNING)

from expectations.runner import CheckSummary, SuiteResult, format_summary, run_checks  # noqa: E402

__all__ = ["CheckSummary", "SuiteResult", "format_summary", "run_checks"]
