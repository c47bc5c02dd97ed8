"""What a rule says, in words, for the rule pages (``/rule/<id>``).

OWL 2 RL rules (``prp-inv2``, ``cax-sco`` …) are the rules of the W3C OWL 2 RL profile
(*OWL 2 Web Ontology Language Profiles, Second Edition*, §4.3 "Reasoning in OWL 2 RL and RDF
Graphs using Rules", Tables 4–9): their premises (``If``) and conclusion (``then``) are copied
from those tables, with a sentence in Japanese and English. Extraction rules (``R-…``,
data/rules/*.yaml) and domain rules (``DR-…``, ontology/rules/*.rq) carry their own one-line
``statement``, read from the rule files of the checkout the server runs from.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from spacekg.config import ROOT

OWL2RL_SPEC = "https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules"

#: rule name → (table, if-part, then-part, Japanese sentence, English sentence); from the W3C profile
OWL2RL: dict[str, tuple[str, str, str, str, str]] = {
    "eq-sym": ("Table 4", "T(?x, owl:sameAs, ?y)", "T(?y, owl:sameAs, ?x)",
               "x が y と同一ならば、y は x と同一である。", "If x is the same as y, then y is the same as x."),
    "eq-trans": ("Table 4", "T(?x, owl:sameAs, ?y) T(?y, owl:sameAs, ?z)", "T(?x, owl:sameAs, ?z)",
                 "x が y と、y が z と同一ならば、x は z と同一である。",
                 "If x is the same as y and y the same as z, then x is the same as z."),
    "eq-rep-s": ("Table 4", "T(?s, owl:sameAs, ?s') T(?s, ?p, ?o)", "T(?s', ?p, ?o)",
                 "s が s' と同一で s p o ならば、s' p o。", "If s is the same as s' and s p o, then s' p o."),
    "eq-rep-o": ("Table 4", "T(?o, owl:sameAs, ?o') T(?s, ?p, ?o)", "T(?s, ?p, ?o')",
                 "o が o' と同一で s p o ならば、s p o'。", "If o is the same as o' and s p o, then s p o'."),
    "prp-dom": ("Table 5", "T(?p, rdfs:domain, ?c) T(?x, ?p, ?y)", "T(?x, rdf:type, ?c)",
                "プロパティ p の定義域が c で x p y ならば、x は c である。",
                "If the domain of property p is c and x p y, then x is a c."),
    "prp-rng": ("Table 5", "T(?p, rdfs:range, ?c) T(?x, ?p, ?y)", "T(?y, rdf:type, ?c)",
                "プロパティ p の値域が c で x p y ならば、y は c である。",
                "If the range of property p is c and x p y, then y is a c."),
    "prp-fp": ("Table 5", "T(?p, rdf:type, owl:FunctionalProperty) T(?x, ?p, ?y1) T(?x, ?p, ?y2)",
               "T(?y1, owl:sameAs, ?y2)", "p が関数的プロパティで x p y1 かつ x p y2 ならば、y1 と y2 は同一である。",
               "If p is functional and x p y1 and x p y2, then y1 is the same as y2."),
    "prp-ifp": ("Table 5", "T(?p, rdf:type, owl:InverseFunctionalProperty) T(?x1, ?p, ?y) T(?x2, ?p, ?y)",
                "T(?x1, owl:sameAs, ?x2)", "p が逆関数的プロパティで x1 p y かつ x2 p y ならば、x1 と x2 は同一である。",
                "If p is inverse-functional and x1 p y and x2 p y, then x1 is the same as x2."),
    "prp-symp": ("Table 5", "T(?p, rdf:type, owl:SymmetricProperty) T(?x, ?p, ?y)", "T(?y, ?p, ?x)",
                 "p が対称的プロパティで x p y ならば、y p x。", "If p is symmetric and x p y, then y p x."),
    "prp-trp": ("Table 5", "T(?p, rdf:type, owl:TransitiveProperty) T(?x, ?p, ?y) T(?y, ?p, ?z)",
                "T(?x, ?p, ?z)", "p が推移的プロパティで x p y かつ y p z ならば、x p z。",
                "If p is transitive and x p y and y p z, then x p z."),
    "prp-spo1": ("Table 5", "T(?p1, rdfs:subPropertyOf, ?p2) T(?x, ?p1, ?y)", "T(?x, ?p2, ?y)",
                 "p1 が p2 の下位プロパティで x p1 y ならば、x p2 y。",
                 "If p1 is a subproperty of p2 and x p1 y, then x p2 y."),
    "prp-eqp1": ("Table 5", "T(?p1, owl:equivalentProperty, ?p2) T(?x, ?p1, ?y)", "T(?x, ?p2, ?y)",
                 "p1 と p2 が同値なプロパティで x p1 y ならば、x p2 y。",
                 "If p1 and p2 are equivalent properties and x p1 y, then x p2 y."),
    "prp-eqp2": ("Table 5", "T(?p1, owl:equivalentProperty, ?p2) T(?x, ?p2, ?y)", "T(?x, ?p1, ?y)",
                 "p1 と p2 が同値なプロパティで x p2 y ならば、x p1 y。",
                 "If p1 and p2 are equivalent properties and x p2 y, then x p1 y."),
    "prp-inv1": ("Table 5", "T(?p1, owl:inverseOf, ?p2) T(?x, ?p1, ?y)", "T(?y, ?p2, ?x)",
                 "p1 が p2 の逆プロパティで x p1 y ならば、y p2 x。",
                 "If p1 is the inverse of p2 and x p1 y, then y p2 x."),
    "prp-inv2": ("Table 5", "T(?p1, owl:inverseOf, ?p2) T(?x, ?p2, ?y)", "T(?y, ?p1, ?x)",
                 "p1 が p2 の逆プロパティで x p2 y ならば、y p1 x。",
                 "If p1 is the inverse of p2 and x p2 y, then y p1 x."),
    "cax-sco": ("Table 7", "T(?c1, rdfs:subClassOf, ?c2) T(?x, rdf:type, ?c1)", "T(?x, rdf:type, ?c2)",
                "クラス c1 が c2 の下位クラスで x が c1 ならば、x は c2 である。",
                "If class c1 is a subclass of c2 and x is a c1, then x is a c2."),
    "cax-eqc1": ("Table 7", "T(?c1, owl:equivalentClass, ?c2) T(?x, rdf:type, ?c1)", "T(?x, rdf:type, ?c2)",
                 "c1 と c2 が同値なクラスで x が c1 ならば、x は c2 である。",
                 "If classes c1 and c2 are equivalent and x is a c1, then x is a c2."),
    "cax-eqc2": ("Table 7", "T(?c1, owl:equivalentClass, ?c2) T(?x, rdf:type, ?c2)", "T(?x, rdf:type, ?c1)",
                 "c1 と c2 が同値なクラスで x が c2 ならば、x は c1 である。",
                 "If classes c1 and c2 are equivalent and x is a c2, then x is a c1."),
    "scm": ("Table 9", "the ontology's class and property axioms (scm-sco, scm-spo, scm-eqc1/2, scm-eqp1/2, "
                       "scm-dom1/2, scm-rng1/2 …)", "the entailed schema triples (e.g. T(?c1, rdfs:subClassOf, ?c3))",
            "オントロジーのクラス・プロパティの公理から、スキーマの推論規則（上位クラスの推移など）で導かれる。",
            "Entailed by the schema rules from the ontology's class and property axioms (e.g. "
            "if c1 is a subclass of c2 and c2 of c3, then c1 is a subclass of c3)."),
}


@lru_cache(maxsize=1)
def _project_rules() -> dict[str, str]:
    """Rule id → statement, from data/rules/*.yaml and the ``# statement:`` headers of
    ontology/rules/*.rq (empty when the server runs outside a checkout)."""
    out: dict[str, str] = {}
    for path in sorted((ROOT / "data" / "rules").glob("*.yaml")):
        try:
            items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except (OSError, yaml.YAMLError):
            continue
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and item.get("id") and item.get("statement"):
                out[str(item["id"])] = str(item["statement"])
    for path in sorted((ROOT / "ontology" / "rules").glob("*.rq")):
        head = _rq_header(path)
        if head.get("id") and head.get("statement"):
            out[head["id"]] = head["statement"]
    return out


def _rq_header(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for line in lines:
        m = re.match(r"#\s*(id|statement):\s*(.+)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
        elif line.strip() and not line.startswith("#"):
            break
    return out


def describe_rule(rule_id: str, lang: str) -> dict:
    """What rule ``rule_id`` says.

    Returns:
        ``{"kind": "owl2rl", "table", "if", "then", "sentence", "spec"}`` for an OWL 2 RL rule,
        ``{"kind": "extraction" | "domain", "sentence"}`` for a project rule with a statement,
        ``{"kind": "unknown", "sentence": ""}`` otherwise.
    """
    if rule_id in OWL2RL:
        table, if_, then, ja, en = OWL2RL[rule_id]
        return {"kind": "owl2rl", "table": table, "if": if_, "then": then,
                "sentence": ja if lang == "ja" else en, "spec": OWL2RL_SPEC}
    statement = _project_rules().get(rule_id)
    if statement:
        return {"kind": "domain" if rule_id.startswith("DR-") else "extraction", "sentence": statement}
    return {"kind": "unknown", "sentence": ""}
