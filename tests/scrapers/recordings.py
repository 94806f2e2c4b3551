"""One copy of each recorded response: the demo's, in ``midtier/demo_data/<source>/``.

``tests/scrapers/fixtures/<source>/`` holds only what the tests need beyond the demo (broken
pages, extra thread items, a story with more comments). Where a test replays a source's
whole API, ``replay_tree`` lays those over the demo recordings in a scratch directory.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

DEMO_DATA = Path(__file__).parents[2] / "midtier" / "demo_data"
TEST_ONLY = Path(__file__).parent / "fixtures"


@cache
def replay_tree(source: str) -> Path:
    """The demo's recordings of ``source`` with the test-only ones laid over them."""
    tree = Path(tempfile.mkdtemp(prefix=f"midtier-{source}-recordings-"))
    atexit.register(shutil.rmtree, tree, ignore_errors=True)
    shutil.copytree(DEMO_DATA / source, tree, dirs_exist_ok=True)
    shutil.copytree(TEST_ONLY / source, tree, dirs_exist_ok=True)
    return tree
