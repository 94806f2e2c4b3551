"""`midtier developers …`: opt in with a GitHub login, prove it, withdraw, show, assess, and
declare a track record (self-declared, kept apart from the evidence)."""

from __future__ import annotations

import json
import sys
from datetime import date


def add_parser(commands) -> None:
    developers = commands.add_parser(
        "developers",
        help="developer profiles built on public GitHub evidence",
        description="Link a GitHub login to a rate-floor registry handle, prove control with a "
        "one-time code in the bio or a public gist, and publish a profile built "
        "on public evidence (docs: README, 'Developer profiles').",
    )
    actions = developers.add_subparsers(dest="action", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="link a GitHub login; prints the one-time code")
    add.add_argument("handle")
    add.add_argument("--github", required=True, metavar="LOGIN")
    add.add_argument("--token", help="the edit token of an existing registry entry to link")
    add.set_defaults(handler=cmd_add)

    verify = actions.add_parser("verify", help="check the code is in the bio or a public gist")
    verify.add_argument("handle")
    verify.add_argument("--token", required=True)
    verify.add_argument(
        "--base-url", metavar="URL", help="ask this server instead of api.github.com (paths kept)"
    )
    verify.set_defaults(handler=cmd_verify)

    withdraw = actions.add_parser("withdraw", help="delete the entry, its evidence and profile")
    withdraw.add_argument("handle")
    withdraw.add_argument("--token", required=True)
    withdraw.set_defaults(handler=cmd_withdraw)

    show = actions.add_parser("show", help="print the public profile as JSON")
    show.add_argument("handle")
    show.set_defaults(handler=cmd_show)

    reviewer = actions.add_parser("add-reviewer", help="register a reviewer; prints their token")
    reviewer.add_argument("reviewer")
    reviewer.set_defaults(handler=cmd_add_reviewer)

    assess = actions.add_parser("assess", help="record a technical assessment of a developer")
    assess.add_argument("handle")
    assess.add_argument("--reviewer-token", required=True)
    assess.add_argument("--skill", required=True, help="a skill slug of the taxonomy")
    assess.add_argument("--outcome", required=True, help="e.g. passed, strong, not yet")
    assess.add_argument(
        "--date",
        type=date.fromisoformat,
        default=date.today(),
        help="when it happened, YYYY-MM-DD (default today)",
    )
    assess.add_argument("--notes")
    assess.set_defaults(handler=cmd_assess)

    case_study = actions.add_parser(
        "declare-case-study",
        help="add a self-declared portfolio case study (shown labelled self-declared)",
    )
    case_study.add_argument("handle")
    case_study.add_argument("--token", required=True, help="the entry's edit token")
    case_study.add_argument("--title", required=True)
    case_study.add_argument("--link", metavar="URL")
    case_study.add_argument("--client-type", help="e.g. startup, agency, enterprise")
    case_study.add_argument("--budget-band", help="e.g. $5k-$20k")
    case_study.add_argument("--duration", help="e.g. 6 weeks")
    case_study.add_argument("--skills", default="", help="skill slugs, comma-separated")
    case_study.add_argument("--outcome", help="what came of it")
    case_study.set_defaults(handler=cmd_declare_case_study)

    platform = actions.add_parser(
        "declare-platform",
        help="add self-declared history on another platform (shown labelled self-declared)",
    )
    platform.add_argument("handle")
    platform.add_argument("--token", required=True, help="the entry's edit token")
    platform.add_argument("--platform", required=True, help="e.g. Upwork")
    platform.add_argument("--projects-completed", metavar="N")
    platform.add_argument("--rating", help="as the platform shows it, e.g. 4.9/5")
    platform.add_argument("--link", metavar="URL", help="the public profile there")
    platform.set_defaults(handler=cmd_declare_platform)


def _refused(error) -> int:
    for problem in error.problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1


def _url() -> str:
    from midtier import steps

    return steps.prepare_database()


def cmd_add(args) -> int:
    from midtier import developers
    from midtier.registry import RegistryError

    try:
        added = developers.add(_url(), args.handle, args.github, args.token)
    except RegistryError as error:
        return _refused(error)
    print(f"code: {added.code}")
    if added.token:
        print(f"token: {added.token}")
    print(
        "Put the code in your GitHub bio or a public gist, then run `midtier developers "
        "verify HANDLE --token TOKEN`. The token is shown only now.",
        file=sys.stderr,
    )
    return 0


def cmd_verify(args) -> int:
    from midtier import developers
    from midtier.registry import RegistryError

    try:
        login = developers.verify(_url(), args.handle, args.token, args.base_url)
    except RegistryError as error:
        return _refused(error)
    print(f"verified: {args.handle.strip().lower()} controls GitHub login {login}")
    return 0


def cmd_withdraw(args) -> int:
    from midtier import developers
    from midtier.registry import RegistryError

    try:
        removed = developers.withdraw(_url(), args.handle, args.token)
    except RegistryError as error:
        return _refused(error)
    print(
        f"withdrawn: {sum(removed.values())} rows, log lines and files removed; nothing about "
        f"{args.handle.strip().lower()} is kept"
    )
    return 0


def cmd_show(args) -> int:
    from midtier import developers
    from midtier.registry import RegistryError

    try:
        profile = developers.public_profile(_url(), args.handle)
    except RegistryError as error:
        return _refused(error)
    if profile is None:
        print(
            f"error: no public profile for {args.handle!r} (verified developers get one at "
            "the next `midtier transform`)",
            file=sys.stderr,
        )
        return 1
    print(json.dumps(profile, indent=2, default=str, ensure_ascii=False))
    return 0


def cmd_add_reviewer(args) -> int:
    from midtier import developers
    from midtier.registry import RegistryError

    try:
        token = developers.add_reviewer(_url(), args.reviewer)
    except RegistryError as error:
        return _refused(error)
    print(f"token: {token}")
    return 0


def cmd_assess(args) -> int:
    from midtier import developers
    from midtier.registry import RegistryError

    try:
        reviewer = developers.record_assessment(
            _url(),
            args.reviewer_token,
            args.handle,
            assessed_on=args.date,
            skill_slug=args.skill,
            outcome=args.outcome,
            notes=args.notes,
        )
    except RegistryError as error:
        return _refused(error)
    print(f"recorded: {reviewer} assessed {args.handle.strip().lower()} in {args.skill}")
    return 0


def cmd_declare_case_study(args) -> int:
    from midtier import track_record
    from midtier.registry import RegistryError

    try:
        study = track_record.validate_case_study(
            args.title,
            link=args.link,
            client_type=args.client_type,
            budget_band=args.budget_band,
            duration=args.duration,
            skills=[skill for skill in args.skills.split(",") if skill.strip()],
            outcome=args.outcome,
        )
        track_record.add_case_study(_url(), args.handle, args.token, study)
    except RegistryError as error:
        return _refused(error)
    print(f"recorded: self-declared case study {study.title!r} (shown from the next transform)")
    return 0


def cmd_declare_platform(args) -> int:
    from midtier import track_record
    from midtier.registry import RegistryError

    try:
        history = track_record.validate_platform_history(
            args.platform,
            projects_completed=args.projects_completed,
            rating=args.rating,
            link=args.link,
        )
        track_record.add_platform_history(_url(), args.handle, args.token, history)
    except RegistryError as error:
        return _refused(error)
    print(f"recorded: self-declared history on {history.platform} (shown from the next transform)")
    return 0
