"""A posting row as display text: budgets, rate position, attribution, links, excerpts.

The exports (feeds, digest, CSV) and the Streamlit dashboards share these, so every surface
presents a posting alike. They only format what dbt decided; no rule is applied here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlsplit

import nh3

from midtier import allowed_values, taxonomy

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CATEGORY_TITLES = {"ml_ai": "ML & AI", "devops": "DevOps"}
LINK_SCHEMES = ("http", "https")

# What a feed item's or the digest's HTML may contain once sanitised; everything else
# (scripts, event handlers, images, unknown schemes) is dropped by nh3.
ALLOWED_TAGS = {
    "a",
    "b",
    "br",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "li",
    "p",
    "small",
    "span",
    "strong",
    "table",
    "tbody",
    "td",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"*": {"style"}, "a": {"href", "title"}}
ALLOWED_STYLE_PROPERTIES = {
    "background",
    "background-color",
    "border",
    "border-bottom",
    "border-radius",
    "color",
    "display",
    "font-family",
    "font-size",
    "font-weight",
    "line-height",
    "margin",
    "margin-bottom",
    "margin-top",
    "max-width",
    "padding",
    "text-decoration",
    "width",
}


def category_title(category: str) -> str:
    return CATEGORY_TITLES.get(category, category.replace("_", " ").capitalize())


def posted_budget(posting: Mapping) -> str | None:
    """The budget as the poster gave it, e.g. "50–80 USD / hour"; None when there is none."""
    amount = _range(posting.get("budget_min"), posting.get("budget_max"))
    if amount is None:
        return None
    text = " ".join(part for part in (amount, posting.get("budget_currency")) if part)
    period = posting.get("budget_period")
    return f"{text} / {period}" if period else text


def hourly_budget(posting: Mapping) -> str | None:
    """The budget in US dollars: "$50–$80 / hour", or "$500 fixed"; None when unknown."""
    hourly = _range(posting.get("hourly_usd_min"), posting.get("hourly_usd_max"), prefix="$")
    if hourly is not None:
        return f"{hourly} / hour"
    fixed = _range(posting.get("fixed_usd_min"), posting.get("fixed_usd_max"), prefix="$")
    if fixed is not None:
        return f"{fixed} fixed"
    return None


def budget_summary(posting: Mapping) -> str | None:
    """The posted budget with its USD figure when that adds anything.

    "60–90 USD / hour", "400–500 EUR / day (≈ $54–$67.50 / hour)", followed by dbt's
    pay_plausibility_reason when it has one; None when there is none.
    """
    posted = posted_budget(posting)
    in_usd = None if _posted_in_usd_terms(posting) else hourly_budget(posting)
    summary = f"{posted} (≈ {in_usd})" if posted and in_usd else posted or in_usd
    # pay left out or read otherwise (dbt's pay sanity) says why
    reason = posting.get("pay_plausibility_reason")
    if reason:
        return f"{summary}; {reason}" if summary else reason
    return summary


RATE_POSITIONS = allowed_values.labels("rate_position")  # e.g. "below market p10"


def floors_summary(posting: Mapping) -> str | None:
    """ "Meets the floor of 7 of 12 registered Django developers"; None where the registry
    suppresses the count or the pay has no hourly figure."""
    return _floors_met_summary(posting, "floors", "registered")


def evidenced_floors_summary(posting: Mapping) -> str | None:
    """ "Meets the floor of 3 of 6 evidence-backed Django developers"; None where the count
    is suppressed or the pay has no hourly figure."""
    return _floors_met_summary(posting, "evidenced_floors", "evidence-backed")


def _floors_met_summary(posting: Mapping, columns: str, who: str) -> str | None:
    met, total = posting.get(f"{columns}_met"), posting.get(f"{columns}_total")
    if met is None or total is None:
        return None
    skill = taxonomy.load_skills().get(posting.get("primary_skill") or "")
    name = f"{skill.name} " if skill else ""
    return f"Meets the floor of {met} of {total} {who} {name}developers"


def rate_position_label(posting: Mapping) -> str | None:
    """The posting's pay against the market it was judged by (fct_postings.rate_yardstick):
    "below market p10 for Django", "within market p25–p75 of the whole market"; None when
    unknown."""
    position = posting.get("rate_position")
    if not position:
        return None
    label = RATE_POSITIONS.get(position, position)
    yardstick = posting.get("rate_yardstick")
    if not yardstick:
        return label
    skill = taxonomy.load_skills().get(yardstick)
    return f"{label} for {skill.name}" if skill else f"{label} of {yardstick}"


def _range(low, high, prefix: str = "") -> str | None:
    if low is None and high is None:
        return None
    if high is None:
        return f"from {prefix}{_amount(low)}"
    if low is None:
        return f"up to {prefix}{_amount(high)}"
    if low == high:
        return f"{prefix}{_amount(low)}"
    return f"{prefix}{_amount(low)}–{prefix}{_amount(high)}"


def _amount(value) -> str:
    value = Decimal(str(value))
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def attribution(posting: Mapping) -> str | None:
    """The attribution the source's terms ask for ("via Remote OK")."""
    if posting.get("source_attribution"):
        return posting["source_attribution"]
    return f"via {posting['source']}" if posting.get("source") else None


def excerpt(text: str | None, limit: int) -> str:
    text = (text or "").strip()
    return text[:limit].rstrip() + "…" if len(text) > limit else text


def safe_link(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, else None (no javascript:, data:, ...)."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    return url if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else None


def sanitise_html(fragment: str) -> str:
    """``fragment`` with only the allowed tags, attributes, styles and link schemes kept."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        url_schemes=set(LINK_SCHEMES),
        link_rel="noopener noreferrer nofollow",
    )


def _posted_in_usd_terms(posting: Mapping) -> bool:
    """True when the USD figure would only repeat the posted budget."""
    return posting.get("budget_currency") == "USD" and posting.get("budget_period") in (
        "hour",
        "project",
    )


def last_change(postings: list[Mapping]) -> datetime:
    stamps = [
        stamp
        for posting in postings
        for stamp in (
            posting.get("last_seen_at"),
            posting.get("posted_at"),
            posting.get("first_seen_at"),
        )
        if stamp is not None
    ]
    return max(stamps, default=EPOCH)
