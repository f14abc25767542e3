"""docs/screenshots/ holds the sign-in, My mentees, log form and resident list at both sizes, the
README shows them, and one command (`make screenshots`) regenerates them (issue 21)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["sign-in", "my-mentees", "log-form", "resident-list"]


def test_every_screenshot_is_there_and_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for page in PAGES:
        for size in ("phone", "desktop"):
            path = ROOT / "docs" / "screenshots" / f"{page}-{size}.png"
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
            assert f"(docs/screenshots/{page}-{size}.png)" in readme


def test_make_screenshots_runs_the_script_that_writes_them():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(
        r"^screenshots:.*\n\t.*bench/screenshots\.py --out docs/screenshots", makefile, re.M
    )
    script = (ROOT / "bench" / "screenshots.py").read_text()
    for page in PAGES:
        assert f'f"{page}-{{size}}"' in script
    assert '"phone": {"width": 375, "height": 812}' in script
    assert '"desktop": {"width": 1366, "height": 900}' in script
