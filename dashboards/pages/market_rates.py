"""Market rates: what postings pay per skill and pay basis (p10–p90), by month and region.

Reads ``marts.rpt_rate_percentiles``, where dbt computed the percentiles and marked the cells
with too few postings as suppressed (their n and the reason stay; no percentile is published).
Sample sizes are shown next to every figure; daily rates and salaries are compared per hour,
converted with dbt's var hours_per_budget_period, and say so.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards import queries
from midtier import registry
from midtier.transform import project_var

BAND_COLOUR = "#1f5fa6"
TEXT_COLOUR = "#31333f"
FLOOR_COLOUR = "#d62728"
FLOORS_TTL_SECONDS = 60
OVERALL_REGIONS = ("all", "worldwide", "global")  # the default trend, when the report has one
UNITS = {"usd_per_hour": "USD per hour", "usd_per_project": "USD per project"}


def pay_bases() -> dict[str, str]:
    """rpt_rate_percentiles.engagement_type in words, with the conversion dbt applied."""
    hours = project_var("hours_per_budget_period")
    return {
        "hourly": "hourly contracts (USD per hour, as posted)",
        "daily": f"daily rates (USD per hour: the day rate over {hours['day']:g} h)",
        "salary": f"salaries (USD per hour: the yearly salary over {hours['year']:,g} h)",
        "fixed": "fixed-price projects (USD per project)",
    }


def unit(frame: pd.DataFrame) -> str:
    """The rows' unit (fixed-price cells are per project); the report states it per row."""
    units = frame["rate_unit"].dropna().unique() if "rate_unit" in frame else []
    return UNITS.get(units[0], units[0]) if len(units) == 1 else "USD"


def floors_chart(base: alt.Chart, floors: registry.SkillAggregate) -> list[alt.Chart]:
    """The published floors' p25, median and p75 as dashed lines across the trend."""
    cuts = pd.DataFrame(
        {
            "floor": ["floors p25", "floors median", "floors p75"],
            "usd": [floors.p25, floors.median, floors.p75],
        }
    )
    return [
        alt.Chart(cuts)
        .mark_rule(color=FLOOR_COLOUR, strokeDash=[6, 4])
        .encode(
            y="usd:Q",
            tooltip=[
                alt.Tooltip("floor:N", title="Registry"),
                alt.Tooltip("usd:Q", format="$,.0f", title="USD per hour"),
            ],
        )
    ]


def trend_chart(
    frame: pd.DataFrame, domain: tuple[float, float], floors: registry.SkillAggregate | None = None
) -> alt.LayerChart:
    """p10–p90 and p25–p75 bands with the median line; n printed above every month; the
    registry's published floors as dashed lines when given. ``domain`` is the y-axis, shared
    by every skill compared."""
    base = alt.Chart(frame).encode(x=alt.X("yearmonth(month):T", title="Month"))
    tooltip = [
        alt.Tooltip("yearmonth(month):T", title="Month"),
        alt.Tooltip("n:Q", title="Postings (n)"),
        *[alt.Tooltip(f"{p}:Q", format="$,.2f") for p in ("p10", "p25", "p50", "p75", "p90")],
    ]
    y_title = f"{unit(frame)} (p10–p90, p25–p75, median)"
    scale = alt.Scale(domain=list(domain), nice=True)
    outer = base.mark_area(opacity=0.2, color=BAND_COLOUR).encode(
        y=alt.Y("p10:Q", title=y_title, scale=scale), y2="p90:Q", tooltip=tooltip
    )
    inner = base.mark_area(opacity=0.35, color=BAND_COLOUR).encode(
        y="p25:Q", y2="p75:Q", tooltip=tooltip
    )
    median = base.mark_line(point=True, color=BAND_COLOUR).encode(y="p50:Q", tooltip=tooltip)
    sample = (
        base.transform_calculate(label="'n=' + datum.n")
        .mark_text(dy=-10, fontSize=11, color=TEXT_COLOUR)
        .encode(y="p90:Q", text="label:N")
    )
    overlay = floors_chart(base, floors) if floors is not None else []
    return alt.layer(outer, inner, median, sample, *overlay).properties(height=300)


def volume_chart(frame: pd.DataFrame) -> alt.Chart:
    """Postings per month behind the figures, suppressed months included."""
    return (
        alt.Chart(frame)
        .mark_bar(color=BAND_COLOUR)
        .encode(
            x=alt.X("yearmonth(month):T", title="Month"),
            y=alt.Y("n:Q", title="Postings (n)"),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month"),
                alt.Tooltip("n:Q", title="Postings"),
            ],
        )
        .properties(height=300)
    )


def region_chart(frame: pd.DataFrame) -> alt.LayerChart:
    """One bar per region: p10–p90 range, p25–p75 box, median tick, n beside it."""
    base = alt.Chart(frame).encode(y=alt.Y("region:N", title="Region", sort="-x"))
    tooltip = [
        "region:N",
        alt.Tooltip("n:Q", title="Postings (n)"),
        *[alt.Tooltip(f"{p}:Q", format="$,.2f") for p in ("p10", "p25", "p50", "p75", "p90")],
    ]
    whisker = base.mark_rule(color=BAND_COLOUR).encode(
        x=alt.X("p10:Q", title=unit(frame)), x2="p90:Q", tooltip=tooltip
    )
    box = base.mark_bar(size=14, opacity=0.5, color=BAND_COLOUR).encode(
        x="p25:Q", x2="p75:Q", tooltip=tooltip
    )
    median = base.mark_tick(color="black", thickness=2, size=14).encode(x="p50:Q", tooltip=tooltip)
    sample = (
        base.transform_calculate(label="'n=' + datum.n")
        .mark_text(align="left", dx=6, fontSize=11, color=TEXT_COLOUR)
        .encode(x="p90:Q", text="label:N")
    )
    return alt.layer(whisker, box, median, sample).properties(
        height=40 * max(frame["region"].nunique(), 2)
    )


def table(frame: pd.DataFrame) -> pd.DataFrame:
    shown = frame[["month", "region", "n", "p10", "p25", "p50", "p75", "p90"]].copy()
    shown["month"] = pd.to_datetime(shown["month"]).dt.strftime("%Y-%m")
    return shown


@st.cache_data(ttl=FLOORS_TTL_SECONDS, show_spinner=False)
def published_floors(url: str) -> dict[str, registry.SkillAggregate]:
    """The registry's published floors per skill (cells below the minimum size left out)."""
    return {
        aggregate.skill: aggregate
        for aggregate in registry.skill_aggregates(url)
        if aggregate.median is not None
    }


def shared_domain(rates: pd.DataFrame, region: str) -> tuple[float, float]:
    """One y-axis for every skill shown: from the lowest p10 to the highest p90 in the trend."""
    shown = rates[(rates["region"] == region) & rates["p50"].notna()]
    if shown.empty:
        return (0.0, 1.0)
    return (float(shown["p10"].min()), float(shown["p90"].max()))


def suppressed_table(suppressed: pd.DataFrame) -> None:
    rows = suppressed[["month", "region", "n", "suppressed_reason"]].copy()
    rows["month"] = pd.to_datetime(rows["month"]).dt.strftime("%Y-%m")
    st.markdown(f"**Suppressed cells ({len(rows)})**: counted, but too few postings to publish.")
    # a plain table, so the reasons are text a screen reader (or a search) finds
    st.table(
        rows.rename(
            columns={
                "month": "Month",
                "region": "Region",
                "n": "n (postings)",
                "suppressed_reason": "Why suppressed",
            }
        ).set_index("Month")
    )


def skill_panel(
    rates: pd.DataFrame,
    skill: str,
    engagement_type: str,
    region: str,
    domain: tuple[float, float],
    floors: registry.SkillAggregate | None = None,
) -> None:
    st.header(skill)
    mine = rates[rates["skill"] == skill]
    trend = mine[mine["region"] == region]
    shown = trend.dropna(subset=["p50"])
    suppressed = mine[mine["is_suppressed"]]
    if shown.empty:
        st.info(
            f"Too few {engagement_type} postings for {skill} in {region} to publish "
            "percentiles; the suppressed cells are listed below."
        )
    else:
        latest = shown.iloc[-1]
        st.metric(
            f"Median, {pd.to_datetime(latest['month']):%b %Y}",
            f"${latest['p50']:,.2f}",
            help=f"{unit(shown)}; n = {int(latest['n'])} postings",
        )
        st.caption(f"Trend in {region}, {unit(shown)}; n = postings behind each month.")
        rates_column, volume_column = st.columns([3, 2])
        with rates_column:
            st.altair_chart(trend_chart(shown, domain, floors), width="stretch")
            if floors is not None:
                st.caption(
                    f"Dashed: the published floors of {floors.developers} registered "
                    f"developers: p25 ${floors.p25}, median ${floors.median}, "
                    f"p75 ${floors.p75} an hour (Rate floors page)."
                )
        with volume_column:
            st.altair_chart(volume_chart(trend), width="stretch")
    trend_suppressed = trend[trend["is_suppressed"]]
    if not trend_suppressed.empty:
        months = ", ".join(
            f"{pd.to_datetime(m):%b %Y} (n={n})"
            for m, n in zip(trend_suppressed["month"], trend_suppressed["n"])
        )
        st.caption(f"Suppressed, too few postings: {months}.")

    if not mine.empty:
        latest_month = mine["month"].max()
        by_region = mine[(mine["month"] == latest_month)].dropna(subset=["p50"])
        st.caption(f"By region, {pd.to_datetime(latest_month):%b %Y}")
        if by_region.empty:
            st.caption("No region has enough postings this month.")
        else:
            st.altair_chart(region_chart(by_region), width="stretch")
    published = mine[~mine["is_suppressed"]]
    st.dataframe(
        table(published),
        hide_index=True,
        width="stretch",
        column_config={"n": st.column_config.NumberColumn("n (postings)")},
    )
    if not suppressed.empty:
        suppressed_table(suppressed)


st.title("Market rates")
st.caption(
    "What open postings offer, as percentiles of the hourly-USD midpoint (fixed-price "
    "projects in USD per project), per skill, pay basis, region and month. Cells with "
    "too few postings are suppressed by the pipeline and listed with their n."
)

try:
    url = queries.connection_url()
    facets = queries.load_rate_facets(url)
except queries.DataUnavailable as error:
    st.error(str(error), icon=":material/database_off:")
    st.stop()

if not facets["skills"]:
    st.info("The rate report is empty: run `midtier run` once postings have been collected.")
    st.stop()

bases = pay_bases()
left, right, kind, place = st.columns(4)
first = left.selectbox("Skill", facets["skills"], key="skill_a")
others = ["(none)"] + [skill for skill in facets["skills"] if skill != first]
second = right.selectbox("Compare with", others, key="skill_b")
engagement_types = facets["engagement_types"]
published = facets["published"]
# Hourly first, where it has a published cell; else the basis with the most postings behind
# its published cells, so the first screen draws a trend rather than only suppressed cells.
default_type = (
    "hourly"
    if published.get("hourly", 0) > 0
    else max(engagement_types, key=lambda value: published.get(value, 0))
)
engagement_type = kind.selectbox(
    "Pay basis",
    engagement_types,
    key="engagement_type",
    format_func=lambda value: bases.get(value, value),
    index=engagement_types.index(default_type),
)
regions = facets["regions"]
overall = next((regions.index(name) for name in OVERALL_REGIONS if name in regions), 0)
region = place.selectbox("Region (trend)", regions, index=overall, key="region")
st.caption(f"Showing {bases.get(engagement_type, engagement_type)}.")

skills = (first,) if second == "(none)" else (first, second)
try:
    rates = pd.DataFrame(queries.load_rates(url, skills, engagement_type))
except queries.DataUnavailable as error:
    st.error(str(error), icon=":material/database_off:")
    st.stop()

if rates.empty:
    st.info(
        f"No {bases.get(engagement_type, engagement_type)} for {' or '.join(skills)}: choose "
        "another pay basis or skill."
    )
    st.stop()

# Floors are hourly minimums: they sit on the hourly trend only.
try:
    floors = published_floors(url) if engagement_type == "hourly" else {}
except Exception:  # the rates stand on their own when the registry cannot be read
    floors = {}
domain = shared_domain(rates, region)
shown_floors = [floors[skill] for skill in skills if skill in floors]
if shown_floors:  # the dashed floors stay inside the shared axis
    domain = (
        min(domain[0], *(float(f.p25) for f in shown_floors)),
        max(domain[1], *(float(f.p75) for f in shown_floors)),
    )
for column, skill in zip(st.columns(len(skills)), skills):
    with column:
        skill_panel(rates, skill, engagement_type, region, domain, floors.get(skill))

download = rates.copy()
download["month"] = pd.to_datetime(download["month"]).dt.strftime("%Y-%m")
st.download_button(
    "Download these rates (CSV)",
    data=download.to_csv(index=False),
    file_name=f"midtier-rates-{'-'.join(skills)}-{engagement_type}.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
)
