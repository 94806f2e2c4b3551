"""Build the skill taxonomy seeds from the curated list and public vocabularies.

    python dbt/scripts/build_skill_taxonomy.py [--packages DIR]

Writes dbt/seeds/skills.csv and dbt/seeds/skill_aliases.csv (never edit those by hand: edit
the curated files under dbt/scripts/skill_taxonomy/ and run this again). Re-running with the
same inputs writes the same files.

Slugs are stable: marts, rate history and the rate-floor registry store them. A slug of the
seed being replaced that the new one lacks stops the script unless
dbt/seeds/skill_slug_renames.csv maps it to its new slug (old_slug,new_slug,reason), the
mapping that readers of stored slugs use.

Inputs, in the order they claim skills and aliases (the first claim wins):
  1. skill_taxonomy/curated_skills.csv, curated_aliases.csv: Midtier's own list, with the
     ambiguous names (Go, R, Rust, Swift, Spring, Express, Rails, Chef, Puppet, Salt, ...)
     marked tags_only and their context words in dbt/seeds/skill_context_words.csv.
  2. GitHub Linguist's languages, npm `linguist-languages` (MIT): programming and markup
     languages, with Linguist's aliases; identifier `linguist:<languageId>`.
  3. devicon, npm `devicon` (MIT): developer tools, frameworks, databases and platforms with
     their tags (category) and alternative names; identifier `devicon:<name>`.
  4. SVG Logos, npm `@iconify-json/logos` (CC0-1.0): logos of developer products; their
     names count only where a source tagged a posting with them (tags_only), since a bare
     product or company name in prose is rarely a skill; identifier `svg-logos:<id>`.
  Entries listed in skill_taxonomy/excluded_public_entries.csv (with the reason) are left out:
  sites and products that postings name without asking for them as a skill (Behance,
  browsers).
  Display names come from Simple Icons, npm `simple-icons` (CC0-1.0), where its slug matches.
  Wappalyzer's catalogue (npm `wappalyzer`) is GPL-3.0 and is not used: its data would
  carry that licence into this Apache-2.0 project.

The packages are read from --packages (default ~/.cache/midtier-taxonomy), where missing
tarballs are fetched once with `npm pack <name>@<version>` (the pinned versions below).

Precision: a generated alias counts in free text only if it is not a common word. Common is
judged with the `wordfreq` package (PyPI; install it next to this script's interpreter, it
is not a project dependency): an English Zipf frequency of 3.0 or more, or 3.5 or more in a
language of the sources' markets (de fr es pt nl it sv nb da pl), makes it tags_only, like
aliases of at most two characters. So "Less", "Make", "Sketch", "Text" or Polish "jest"
never tag prose on their own.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CURATED = HERE / "skill_taxonomy"
SEEDS = HERE.parent / "seeds"
PACKAGES = {
    "linguist-languages": "9.5.0",
    "devicon": "2.17.0",
    "@iconify-json/logos": "1.2.19",
    "simple-icons": "16.37.0",
}
MARKET_LANGUAGES = ["de", "fr", "es", "pt", "nl", "it", "sv", "nb", "da", "pl"]
# devicon tags, most specific first, to Midtier's categories
DEVICON_CATEGORIES = [
    ("blockchain", "blockchain"),
    ("crypto", "blockchain"),
    ("machine-learning", "ml_ai"),
    ("ai", "ml_ai"),
    ("deep-learning", "ml_ai"),
    ("testing", "testing"),
    ("test", "testing"),
    ("security", "security"),
    ("mobile", "mobile"),
    ("android", "mobile"),
    ("ios", "mobile"),
    ("database", "data"),
    ("data", "data"),
    ("analytics", "data"),
    ("cloud", "cloud"),
    ("hosting", "cloud"),
    ("devops", "devops"),
    ("ci", "devops"),
    ("container", "devops"),
    ("server", "devops"),
    ("version-control", "devops"),
    ("os", "devops"),
    ("linux", "devops"),
    ("design", "design"),
    ("graphics", "design"),
    ("editor", "tool"),
    ("ide", "tool"),
    ("tool", "tool"),
    ("package", "tool"),
    ("manager", "tool"),
    ("framework", "framework"),
    ("library", "framework"),
    ("language", "language"),
    ("programming", "language"),
]


def fetch_packages(folder: Path) -> dict[str, Path]:
    """Each pinned npm package unpacked under folder (npm pack only for missing tarballs)."""
    folder.mkdir(parents=True, exist_ok=True)
    unpacked = {}
    for name, version in PACKAGES.items():
        tarball = folder / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
        if not tarball.exists():
            subprocess.run(
                ["npm", "pack", f"{name}@{version}", "--pack-destination", str(folder)],
                check=True,
                capture_output=True,
            )
        target = folder / tarball.stem
        if not target.exists():
            with tarfile.open(tarball) as archive:
                members = [
                    m
                    for m in archive.getmembers()
                    if not m.name.startswith("package/icons/")
                    and not m.name.startswith("package/fonts/")
                ]
                archive.extractall(target, members=members, filter="data")
        unpacked[name] = target / "package"
    return unpacked


def linguist_languages(package: Path) -> list[dict]:
    """Linguist's language records (its data files are ES modules: node reads them)."""
    script = (
        f"import * as l from {json.dumps((package / 'index.js').as_uri())};"
        "console.log(JSON.stringify(Object.values(l)))"
    )
    output = subprocess.run(
        ["node", "--input-type=module", "-e", script], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output)


def phrase_key(text: str) -> str:
    """An approximation of dbt's normalise_phrase, only to find aliases that would collide."""
    text = re.sub(r"[^a-z0-9+#.-]+", " ", text.lower())
    text = re.sub(r"[.-]+( |$)", r"\1", text)
    return re.sub(r"(^| )-+", r"\1", text).strip()


def slugify(name: str) -> str:
    slug = name.lower().replace("++", "pp").replace("+", "plus").replace("#", "sharp")
    return re.sub(r"[^a-z0-9]+", "-", slug).strip("-")


class Taxonomy:
    def __init__(self, common_word):
        self.skills: dict[str, dict] = {}
        self.aliases: dict[str, tuple[str, bool]] = {}  # alias -> (slug, tags_only)
        self.keys: dict[str, str] = {}  # phrase key -> slug
        self.common_word = common_word
        with open(CURATED / "excluded_public_entries.csv", encoding="utf-8") as handle:
            self.excluded = {row["source_id"] for row in csv.DictReader(handle)}

    def add_skill(self, slug, name, category, source, source_id):
        self.skills[slug] = {
            "skill_slug": slug,
            "skill_name": name,
            "category": category,
            "source": source,
            "source_id": source_id,
        }

    def add_alias(self, alias, slug, tags_only):
        alias = alias.strip().lower()
        key = phrase_key(alias)
        if not key or alias in self.aliases or key in self.keys or key.replace(".", "").isdigit():
            return
        self.aliases[alias] = (slug, tags_only)
        self.keys[key] = slug

    def owner(self, names):
        """The skill one of these names already stands for, if any."""
        for name in names:
            slug = self.keys.get(phrase_key(name))
            if slug:
                return slug
        return None

    def add_public(self, name, names, category, source, source_id, prose=True):
        """A public entry: joins the skill one of its names already means, else a new skill."""
        if source_id in self.excluded:
            return
        names = [n for n in dict.fromkeys([name, *names]) if n and phrase_key(n)]
        slug = self.owner(names)
        if slug is None:
            slug = slugify(name)
            if not slug or slug in self.skills:
                return
            self.add_skill(slug, name, category, source, source_id)
        elif not self.skills[slug]["source_id"]:
            # a curated skill keeps source midtier; it gains the public identifier
            self.skills[slug]["source_id"] = source_id
        for alias in names:
            self.add_alias(alias, slug, not prose or self.common_word(alias))


def check_slugs_kept(previous_seed: Path, skills: dict[str, dict]) -> None:
    """Every slug published before is still a skill, or renamed in skill_slug_renames.csv."""
    if not previous_seed.exists():
        return
    with open(SEEDS / "skill_slug_renames.csv", encoding="utf-8") as handle:
        renames = {row["old_slug"]: row["new_slug"] for row in csv.DictReader(handle)}
    with open(previous_seed, encoding="utf-8") as handle:
        previous = [row["skill_slug"] for row in csv.DictReader(handle)]
    lost = [slug for slug in previous if slug not in skills and renames.get(slug) not in skills]
    if lost:
        raise SystemExit(f"slugs dropped without a rename in skill_slug_renames.csv: {lost}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--packages", type=Path, default=Path.home() / ".cache" / "midtier-taxonomy"
    )
    parser.add_argument(
        "--out", type=Path, default=SEEDS, help="where the seeds go (default dbt/seeds)"
    )
    args = parser.parse_args()
    from wordfreq import zipf_frequency

    def common_word(alias: str) -> bool:
        key = phrase_key(alias)
        return (
            len(key.replace(" ", "")) <= 2
            or zipf_frequency(key, "en") >= 3.0
            or max(zipf_frequency(key, language) for language in MARKET_LANGUAGES) >= 3.5
        )

    packages = fetch_packages(args.packages)
    taxonomy = Taxonomy(common_word)
    with open(CURATED / "curated_skills.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            taxonomy.add_skill(row["skill_slug"], row["skill_name"], row["category"], "midtier", "")
    with open(CURATED / "curated_aliases.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            taxonomy.add_alias(row["alias"], row["skill_slug"], row["tags_only"] == "true")

    titles = {}
    simple_icons = json.loads((packages["simple-icons"] / "data" / "simple-icons.json").read_text())
    for icon in simple_icons:
        titles[icon["slug"]] = (icon["title"], icon.get("aliases", {}).get("aka", []))

    for language in sorted(
        linguist_languages(packages["linguist-languages"]), key=lambda entry: entry["name"]
    ):
        # template mixes ("HTML+ERB") and prose/data formats are not skills
        if language["type"] not in ("programming", "markup") or re.search(
            r"\w\+\w", language["name"]
        ):
            continue
        taxonomy.add_public(
            language["name"],
            language.get("aliases", []),
            "language",
            "linguist",
            f"linguist:{language['languageId']}",
        )

    devicon = json.loads((packages["devicon"] / "devicon.json").read_text())
    for entry in sorted(devicon, key=lambda e: e["name"]):
        tags = set(entry.get("tags", []))
        category = next((value for tag, value in DEVICON_CATEGORIES if tag in tags), "tool")
        title, aka = titles.get(entry["name"], (None, []))
        names = [title or entry["name"], entry["name"], *entry.get("altnames", []), *aka]
        taxonomy.add_public(names[0], names[1:], category, "devicon", f"devicon:{entry['name']}")

    logos = json.loads((packages["@iconify-json/logos"] / "icons.json").read_text())
    for icon_id in sorted(logos["icons"]):
        base = re.sub(r"-(icon|wordmark|monochrome|dark|light|solid)$", "", icon_id)
        if base != icon_id and base in logos["icons"]:
            continue
        title, aka = titles.get(base.replace("-", ""), (None, []))
        name = title or base.replace("-", " ").title()
        taxonomy.add_public(
            name,
            [base.replace("-", " "), *aka],
            "platform",
            "svg-logos",
            f"svg-logos:{base}",
            prose=False,
        )

    check_slugs_kept(args.out / "skills.csv", taxonomy.skills)
    with open(args.out / "skills.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle,
            ["skill_slug", "skill_name", "category", "source", "source_id"],
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows(taxonomy.skills.values())
    with open(args.out / "skill_aliases.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["alias", "skill_slug", "tags_only"])
        for alias, (slug, tags_only) in taxonomy.aliases.items():
            writer.writerow([alias, slug, str(tags_only).lower()])
    print(f"{len(taxonomy.skills)} skills, {len(taxonomy.aliases)} aliases")


if __name__ == "__main__":
    main()
