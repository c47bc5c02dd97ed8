"""`spacekg ingest --json` entities, `ingest --draft` (a draft that loads as a curated file) and
`spacekg add` (text and HTML accepted; PDF, binary, empty, duplicate refused, nothing changed),
on documents written here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spacekg.build import Paths, Pipeline, build_dataset
from spacekg.commands.add import add_document
from spacekg.curation import load_curated
from spacekg.errors import SourceError
from spacekg.sources import load_sources

ROOT = Path(__file__).resolve().parents[1]

PRESS = """2025年7月1日
国立研究開発法人宇宙航空研究開発機構

金星大気探査計画(VAX)の実施取決めへの署名について

宇宙航空研究開発機構は、本日、欧州宇宙機関と金星大気探査計画(VAX)に関する実施取決めに署名しました。
主査 大河内清(東北大学)の下で検討を進めてきました。

■ 参加機関
・JAXA
・ESA
"""

INFOBOX = """SLIM
所属\tJAXA
主製造業者\t三菱電機株式会社
打上げ日時\t2023年9月7日
軟着陸日\t2024年1月20日
"""


def cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "spacekg", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


@pytest.fixture(scope="module")
def press_json(tmp_path_factory):
    path = tmp_path_factory.mktemp("ingest") / "vax-press.txt"
    path.write_text(PRESS, encoding="utf-8")
    draft = path.with_suffix(".draft.yaml")
    res = cli("ingest", str(path), "--json", "--draft", str(draft))
    assert res.returncode == 0, res.stderr
    return path, json.loads(res.stdout), draft


def test_ingest_json_lists_new_entities(press_json):
    path, data, _ = press_json
    text = path.read_text(encoding="utf-8")
    ents = {e["label"]: e for e in data["entities"]}
    assert ents["金星大気探査計画"]["class"] == "Mission" and "VAX" in ents["金星大気探査計画"]["aliases"]
    assert ents["大河内清"]["class"] == "Person" and ents["大河内清"]["role"] == "主査"
    assert any(e["class"] == "Agreement" for e in data["entities"])
    for e in data["entities"]:
        s, t = e["span"]
        assert text[s:t] in [e["label"], *e["aliases"]], e
        assert e["iri"].endswith("/resource/" + e["id"]) and e["id"].startswith("found-")
        assert e["status"] == "found" and e["rules"]
    assert not any(e["label"] in ("宇宙航空研究開発機構", "欧州宇宙機関", "JAXA", "ESA") for e in data["entities"])
    # the new mission is a mention the rules bind; the header gives the issuer
    assert any(m["entity"] == ents["金星大気探査計画"]["id"] for m in data["mentions"])
    assert any(r["rule"] == "L-PRESS-ISSUER" and r["object"]["iri"].endswith("/jaxa") for r in data["facts"])
    labels = {r["subject"]["label"] for r in data["facts"]}
    assert not any(lab.startswith("found-") for lab in labels)


def test_ingest_text_form_lists_entities(tmp_path):
    path = tmp_path / "box.txt"
    path.write_text(INFOBOX, encoding="utf-8")
    res = cli("ingest", str(path))
    assert res.returncode == 0, res.stderr
    assert "## New entities" in res.stdout and "三菱電機株式会社" in res.stdout
    assert "L-KV-LAUNCH-DATE" in res.stdout


def test_draft_loads_as_a_curated_file(press_json, tmp_path, iris):
    """The draft, once the document is in the sources, loads with the curated loader: every
    quote found, every id (lexicon, found, minted node, document) resolved."""
    path, data, draft = press_json
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "sources.yaml").write_text("[]\n", encoding="utf-8")
    add_document(path, sources, doc_id="vax-press")
    curated = tmp_path / "curated"
    curated.mkdir()
    text = draft.read_text(encoding="utf-8").replace("doc: vax-press\n", "doc: vax-press\n")
    (curated / "draft.yaml").write_text(text, encoding="utf-8")
    src = {s.id: s for s in load_sources(sources)}
    pipe = Pipeline.load(Paths(), iris, list(src))
    pipe.analyse(src["vax-press"])  # the build analyses documents before it loads curation
    facts, _nodes = load_curated(curated, src, pipe.resolver)
    import yaml

    statements = yaml.safe_load(text)
    assert len(facts) >= sum(len(s["triples"]) for s in statements)
    assert any(s.get("entity") for s in statements) and any(s.get("rule") for s in statements)
    for f in facts:
        assert f.end > f.start


def test_add_text_then_build_extracts_it(tmp_path, iris):
    """`spacekg add` puts the file in the sources; a build over them extracts its facts."""
    root = tmp_path / "proj"
    (root / "data" / "sources").mkdir(parents=True)
    (root / "data" / "curated").mkdir()
    for rel in ("ontology", "shapes", "data/lexicon", "data/rules", "data/links", "data/technology-areas.yaml"):
        (root / rel).symlink_to(ROOT / rel)
    manifest = root / "data" / "sources" / "sources.yaml"
    manifest.write_text("# sources\n", encoding="utf-8")
    doc = tmp_path / "slim-box.txt"
    doc.write_text(INFOBOX, encoding="utf-8")
    res = cli("add", str(doc), "--sources", str(root / "data" / "sources"), "--issuer", "JAXA",
              "--date", "2024-02-01", "--url", "https://example.org/slim")
    assert res.returncode == 0, res.stderr
    entry = load_sources(root / "data" / "sources")[0].meta
    assert entry["issuer"] == "jaxa" and entry["date"] == "2024-02-01" and entry["url"].startswith("https://")
    result = build_dataset(Paths(root=root), iris, reason=False)
    got = {(f.s, f.p) for f in result.facts if f.doc == "slim-box"}
    assert (iris.res["slim"], iris.sk.launchDate) in got
    assert (iris.res["slim"], iris.sk.developedBy) in got
    assert any(str(s).startswith(str(iris.res) + "found-") for s, _p, _o in result.dataset.graph(iris.graph["entities"]))


def test_add_html_takes_the_text(tmp_path):
    sources = tmp_path / "s"
    sources.mkdir()
    (sources / "sources.yaml").write_text("", encoding="utf-8")
    page = tmp_path / "news.html"
    page.write_text("<html><head><title>SLIM着陸</title><script>var x;</script></head><body>"
                    "<nav>メニュー</nav><main><p>2024年1月20日</p><table><tr><th>打上げ日時</th>"
                    "<td>2023年9月7日</td></tr></table></main></body></html>", encoding="utf-8")
    entry = add_document(page, sources)
    text = (sources / "news.txt").read_text(encoding="utf-8")
    assert "打上げ日時\t2023年9月7日" in text and "var x" not in text and "メニュー" not in text
    assert entry["title_ja"] == "SLIM着陸" and entry["source_format"] == "text/html"
    assert load_sources(sources)[0].sha256 == entry["sha256"]  # the build's hash check passes


@pytest.mark.parametrize("name,content,message", [
    ("paper.pdf", b"%PDF-1.7\n...", "PDF"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
    ("empty.txt", b"  \n\n", "empty"),
    ("latin.txt", "caf\u00e9".encode("latin-1"), "UTF-8"),
    ("dup.txt", "既存の文書です。\n".encode(), "already"),
    ("Bad Name.txt", "本文\n".encode(), "--id"),
])
def test_add_refuses_and_changes_nothing(tmp_path, name, content, message):
    sources = tmp_path / "s"
    sources.mkdir()
    (sources / "dup.txt").write_text("既存の文書です。\n", encoding="utf-8")
    (sources / "sources.yaml").write_text(
        "- id: dup\n  file: dup.txt\n  title_ja: 既存\n  issuer: null\n  language: ja\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in sources.iterdir()}
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        add_document(f, sources)
    assert {p.name: p.read_bytes() for p in sources.iterdir()} == before


def test_add_cli_error_exit_code(tmp_path):
    f = tmp_path / "x.pdf"
    f.write_bytes(b"%PDF-1.4")
    res = cli("add", str(f), "--sources", str(tmp_path))
    assert res.returncode == 2 and "PDF" in res.stderr
