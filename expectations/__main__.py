"""``python -m expectations``: run the checks, print the summary, exit 1 if a critical suite fails."""

import logging
import sys

from expectations import format_summary, run_checks


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    summary = run_checks()
    print(format_summary(summary))
    return 1 if summary.critical_failures else 0


if __name__ == "__main__":
    sys.exit(main())
