"""Accessibility checks in the browser with axe-core (served from the vendor bundle, `make assets`)."""

from playwright.sync_api import Page

# WCAG 2.2 level AA, with the A and AA rules of 2.0 and 2.1 that it includes.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""


def axe_violations(page: Page, tags: list[str] | None = None) -> list[dict]:
    """The page's violations of the given axe tags (WCAG 2.2 AA by default), as plain dicts.

    axe.min.js is loaded by URL from the site's own /static/, so a Content-Security-Policy of
    script-src 'self' lets it run."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url="/static/vendor/axe.min.js")
    return page.evaluate(_RUN_AXE, tags or WCAG_22_AA)


def describe(violations: list[dict]) -> str:
    """One readable paragraph per violation, for an assertion's message."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        lines.extend(f"    at {n['target']}: {n['summary']}" for n in v["nodes"])
    return "\n".join(lines)
