"""The benchmark generator keeps its shape at every size: ≈ 8 % re-posts, clients that scale."""

from __future__ import annotations

from datetime import datetime, timedelta

from bench import generate


def _posted(record: dict) -> datetime:
    return datetime.fromisoformat(record["posted_at"].replace("Z", "+00:00"))


def test_same_seed_same_records_and_another_seed_other_records():
    assert list(generate.postings(200, seed=3)) == list(generate.postings(200, seed=3))
    assert list(generate.postings(200, seed=3)) != list(generate.postings(200, seed=4))


def test_about_eight_percent_are_re_posts_of_a_recent_posting_within_two_weeks():
    first_seen: dict[tuple, datetime] = {}
    re_posts = 0
    for record in generate.postings(20_000, seed=11):
        job = (record["title"], record.get("company"), record["description"])
        if job in first_seen and "registration fee" not in record["description"]:
            re_posts += 1
            assert timedelta(0) <= _posted(record) - first_seen[job] <= timedelta(days=14)
        first_seen.setdefault(job, _posted(record))
    assert 0.06 <= re_posts / 20_000 <= 0.10


def test_clients_grow_with_the_data_set_so_a_client_posts_about_fifteen_jobs():
    assert generate.client_count(10_000) == 702
    assert generate.client_count(1_000_000) == 66_666
    names = {generate.company_name(client) for client in range(generate.client_count(1_000_000))}
    assert len(names) == 66_666
    companies = {record.get("company") for record in generate.postings(30_000, seed=5)}
    assert len(companies) > 1_500  # 2,000 clients at 30k (702 before)


def test_more_postings_for_a_big_data_set_come_from_its_clients():
    small = {record.get("company") for record in generate.postings(2_000, seed=7)}
    added = {
        record.get("company") for record in generate.postings(2_000, seed=7, clients_of=1_000_000)
    }
    first_clients = {generate.company_name(client) for client in range(702)}
    assert small - {None, "QuickPay Jobs", "Global Hiring Agency"} <= first_clients
    assert len(added - first_clients) > 1_500
