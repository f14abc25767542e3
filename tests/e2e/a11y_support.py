"""Shared pieces of the accessibility browser tests: axe-core, the crawl, colour contrast in JS.

axe-core 4.14 (tests/vendor/axe-core, tests only) runs inside the page; the site's CSP forbids
inline scripts, so the contexts that inject it use Playwright's `bypass_csp=True` (test contexts
only: the site still sends its CSP, and the other browser tests enforce it).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1366, "height": 900}

# Links the walk does not follow: sign-out ends the session (it is a POST form anyway), and
# downloads (CSV, print views that set Content-Disposition) are not pages.
SKIP = re.compile(r"logout|\.csv$|/export")
# Pages left out on purpose, each with the reason the test prints. Django admin's add and change
# forms are Django's own widgets (SplitDateTime, filter_horizontal, select2 autocomplete), which
# axe faults upstream; the admin's index and change lists (the site's configuration) are checked.
LEFT_OUT = [
    (
        re.compile(r"^/admin/.+/(add|\d+/change|\d+/delete|\d+/history)/$"),
        "Django admin add/change/delete/history forms: Django's own widgets, not the site's",
    ),
]


def axe_violations(page) -> list[dict]:
    """Runs axe-core on the page; returns the serious and critical violations, one per node."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: "
        "['violations']})",
        WCAG_TAGS,
    )
    found = []
    for violation in result["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            found.append(
                {
                    "rule": violation["id"],
                    "impact": violation["impact"],
                    "target": " ".join(str(t) for t in node["target"]),
                    "summary": (node.get("failureSummary") or "").replace("\n", " ")[:200],
                }
            )
    return found


def shape_of(url: str) -> str:
    """/residents/12/?page=2 -> /residents/<n>/?page: one page per template is enough for axe."""
    parsed = urlparse(url)
    return (
        re.sub(r"\d+", "<n>", parsed.path)
        + "?"
        + ",".join(sorted(p.split("=")[0] for p in parsed.query.split("&") if p))
    )


class Walk:
    """Visits the pages the production smoke crawl reaches (.ci/production_smoke.py: every menu
    link and one level below, from `main` and the menu), one page per URL shape, and runs axe on
    each at phone size and at desktop size."""

    def __init__(
        self, base: str, language: str = "en", viewports=(PHONE, DESKTOP), max_pages: int = 70
    ):
        self.base = base.rstrip("/")
        self.language = language
        self.origin = urlparse(self.base).netloc
        self.viewports = viewports
        self.max_pages = max_pages
        self.seen: set[tuple[str, str]] = set()
        self.shapes: Counter[tuple[str, str]] = Counter()
        self.visited: list[str] = []
        self.problems: list[tuple[str, str, str, str, str]] = []
        self.not_pages: list[str] = []
        self.left_out: dict[str, set[str]] = {}

    def report(self) -> str:
        """The violations grouped by rule and selector (the same menu link fails on every page),
        each with the pages it was seen on."""
        groups: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
        for rule, target, where, path, summary in self.problems:
            groups.setdefault((rule, target), []).append((where, path, summary))
        lines = [f"{len(self.problems)} serious/critical axe violation(s), {len(groups)} distinct:"]
        for (rule, target), seen in sorted(groups.items()):
            pages = sorted({f"{where} {path}" for where, path, _ in seen})
            more = f" (+{len(pages) - 4} more)" if len(pages) > 4 else ""
            lines.append(f"- {rule} at {target}: {seen[0][2]}")
            lines.append(f"    on {'; '.join(pages[:4])}{more}")
        return "\n".join(lines)

    def wanted(self, page, href: str, scope: str = "") -> str | None:
        """The absolute URL if the walk should open it: same origin, not seen in this scope, and
        the first of its shape (scope "": across roles; a role: that role's menu pages)."""
        href, _ = urldefrag(urljoin(page.url, href))
        parsed = urlparse(href)
        if parsed.scheme not in ("http", "https") or parsed.netloc != self.origin:
            return None
        if (
            (scope, href) in self.seen
            or SKIP.search(parsed.path)
            or parsed.path.startswith("/static/")
        ):
            return None
        for pattern, reason in LEFT_OUT:
            if pattern.search(parsed.path):
                self.left_out.setdefault(reason, set()).add(shape_of(href))
                return None
        shape = (scope, shape_of(href))
        if self.shapes[shape]:
            return None
        for key in {scope, ""}:  # a role's menu page is not checked again from below
            self.seen.add((key, href))
            self.shapes[(key, shape[1])] += 1
        return href

    def check(self, page, label: str) -> None:
        path = urlparse(page.url).path
        # Screen readers pick their voice from <html lang>: it must name the page's language.
        lang = page.evaluate("document.documentElement.lang") or ""
        if lang.split("-")[0].lower() != self.language:
            self.problems.append(
                ("html-lang-matches", "html", label, path, f"lang={lang!r}, not {self.language}")
            )
        for viewport in self.viewports:
            page.set_viewport_size(viewport)
            for v in axe_violations(page):
                where = f"{label} {viewport['width']}px"
                self.problems.append((v["rule"], v["target"], where, path, v["summary"]))
        page.set_viewport_size(self.viewports[0])

    def visit(self, page, url: str, label: str) -> list[str]:
        try:
            response = page.goto(url)
        except Exception as exc:  # noqa: BLE001 - a download is not a page
            if "Download is starting" in str(exc):
                self.not_pages.append(urlparse(url).path)
                return []
            raise
        page.wait_for_load_state("load")
        content_type = (response.headers.get("content-type", "") if response else "") or ""
        if not content_type.startswith("text/html"):
            self.not_pages.append(urlparse(url).path)
            return []
        self.visited.append(urlparse(page.url).path)
        self.check(page, label)
        return page.eval_on_selector_all(
            "main a[href], #main-nav a[href]", "els => els.map(e => e.href)"
        )

    def crawl(self, page, start: str, label: str) -> None:
        """Menu links (or the start page's links) and one level below, like the smoke crawl.
        Each role sees its own menu pages; pages below are checked once across roles."""
        first = self.base + start
        self.wanted(page, first, label)
        cap = len(self.visited) + self.max_pages
        top = [
            u for href in self.visit(page, first, label) if (u := self.wanted(page, href, label))
        ]
        below: list[str] = []
        for url in top:
            if len(self.visited) >= cap:
                break
            below += self.visit(page, url, label)
        for href in below:
            if len(self.visited) >= cap:
                break
            url = self.wanted(page, href)
            if url:
                self.visit(page, url, label)


# Contrast in the page: WCAG relative luminance of computed colours (rgb/rgba only; an alpha
# colour is composited over the nearest opaque background behind it).
CONTRAST_JS = """
(() => {
  function parse(c) {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  }
  function over(top, bottom) {
    const a = top.a;
    return {r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a),
            b: top.b * a + bottom.b * (1 - a), a: 1};
  }
  function lum(c) {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  function ratio(a, b) {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  }
  function background(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let bg = {r: 255, g: 255, b: 255, a: 1};
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  }
  window.__a11y = {parse, over, ratio, background};
})();
"""
