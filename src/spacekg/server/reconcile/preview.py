"""The preview card: a small self-contained HTML page (no script) for an entity.

Shows the ja and en labels, the most specific class, up to three facts (launch date, target,
developer, country, …, the first present) and the Wikidata item, with a link to the entity's
page. Every value is escaped with ``markupsafe.escape``.
"""

from __future__ import annotations

from markupsafe import escape
from rdflib import SKOS

from spacekg.server.reconcile.extend import value
from spacekg.server.reconcile.graph import WIKIDATA, Graph

#: facts shown first, by local name, when the entity has them
PREFERRED = ("launchDate", "plannedLaunchDate", "landingDate", "target", "developedBy",
             "operatedBy", "launchVehicle", "country", "inProgram", "partOf", "startDate",
             "signingDate", "affiliation", "memberOf")
STYLE = ("body{font:13px/1.4 system-ui,'Noto Sans CJK JP',sans-serif;margin:0;padding:8px;color:#222}"
         "h1{font-size:15px;margin:0}p{margin:2px 0}.cls{color:#666}dl{margin:6px 0 0;display:grid;"
         "grid-template-columns:auto 1fr;gap:1px 8px}dt{color:#666}dd{margin:0}")


def card(g: Graph, iri: str, width: int, height: int, page_url: str) -> str:
    """The preview HTML of ``iri`` (an entity of the graph) for a ``width``×``height`` viewport."""
    ja, en = g.label(iri, "ja"), g.label(iri, "en")
    types = g.entity_types(iri)
    cls = " / ".join(f"{g.classes[t].name('ja')} ({g.classes[t].name('en')})" for t in types[:1])
    facts = []
    by_prop = g.facts.get(iri, {})
    sk = g.base + "ontology#"
    for local in PREFERRED:
        objs = by_prop.get(sk + local)
        if objs and len(facts) < 3:
            cells = [value(g, o, "ja") for o in objs[:3]]
            shown = ", ".join(c.get("name") or c.get("date", "")[:10] or str(next(iter(c.values())))
                              for c in cells)
            facts.append((g.label(sk + local, "ja"), shown))
    wd = [str(o)[len(WIKIDATA):] for o in by_prop.get(str(SKOS.exactMatch), []) if str(o).startswith(WIKIDATA)]
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    if wd:
        rows += f"<dt>Wikidata</dt><dd>{escape(', '.join(wd))}</dd>"
    title = escape(ja if ja == en else f"{ja} / {en}")
    return (f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{title}</title>'
            f"<style>{STYLE}</style></head>"
            f'<body style="width:{int(width) - 16}px;height:{int(height) - 16}px;overflow:hidden">'
            f'<h1><a href="{escape(page_url)}" target="_blank" rel="noopener">{title}</a></h1>'
            f'<p class="cls">{escape(cls)}</p><dl>{rows}</dl></body></html>')
