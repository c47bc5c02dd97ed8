"""``spacekg validate``, ``spacekg reason`` and ``spacekg consistency``: the quality gates on a built graph."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import click

from spacekg.config import IRIs, configured_base
from spacekg.errors import SpacekgError, ValidationFailed


def load_build(build: Path):
    """Parse ``build/spacekg.nq`` into an rdflib Dataset.

    Raises:
        click.ClickException: the file is missing (exit 2).
        SpacekgError: the file is not valid N-Quads.
    """
    from rdflib import Dataset

    path = Path(build) / "spacekg.nq"
    if not path.exists():
        raise click.ClickException(f"{path} not found: run `spacekg build --out {build}` first")
    ds = Dataset()
    try:
        ds.parse(path, format="nquads")
    except Exception as exc:  # rdflib raises several parser exception types
        raise SpacekgError(f"not valid N-Quads: {exc}", path=str(path)) from exc
    return ds


@click.command("validate")
@click.option("--build", "build", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="Build folder holding spacekg.nq.")
@click.option("--report", "report_path", type=click.Path(path_type=Path), default=None,
              help="Where to write the sh:ValidationReport (Turtle; default BUILD/validation-report.ttl).")
@click.option("--base", default=None, help="Base IRI of the build (default: $SPACEKG_BASE or the default base).")
@click.option("--limit", default=200, show_default=True, help="At most this many results in the printed report.")
@click.option("--no-consistency", is_flag=True, help="Skip the OWL 2 DL consistency check (HermiT).")
@click.option("--write-ontology-shapes", is_flag=True,
              help="Regenerate shapes/ontology-domains-ranges.ttl from the ontology and exit.")
def validate_cmd(build: Path, report_path: Path | None, base: str | None, limit: int,
                 no_consistency: bool, write_ontology_shapes: bool):
    """Validate a built graph with the SHACL shapes and violation queries of shapes/.

    Exit 0 when it conforms (warnings allowed), 1 when it has violations, 2 on error.
    """
    from spacekg import validate

    iris = IRIs(base or configured_base())
    if write_ontology_shapes:
        from spacekg.build import Paths
        from spacekg.ontology import load_ontology

        path = validate.write_ontology_shapes(load_ontology(Paths().ontology, iris).graph, iris)
        click.echo(str(path))
        return
    t = time.perf_counter()
    ds = load_build(build)
    report = validate.validate_dataset(ds, iris, progress=lambda m: click.echo(f"· {m}", err=True),
                                       consistency=not no_consistency)
    out = report_path or Path(build) / "validation-report.ttl"
    out.parent.mkdir(parents=True, exist_ok=True)
    report.graph.serialize(out, format="turtle")
    click.echo(validate.readable(report, ds, iris, limit=limit))
    click.echo(f"\nreport: {out} ({time.perf_counter() - t:.1f} s)")
    if not report.conforms:
        raise ValidationFailed(f"{len(report.violations)} violation(s)")


@click.command("reason")
@click.option("--build", "build", type=click.Path(path_type=Path), default=Path("build"), show_default=True,
              help="Build folder holding spacekg.nq (its output files are rewritten).")
@click.option("--base", default=None, help="Base IRI of the build (default: $SPACEKG_BASE or the default base).")
@click.option("--engine", type=click.Choice(["reasonable", "owlrl"]), default="reasonable", show_default=True,
              help="OWL 2 RL engine.")
def reason_cmd(build: Path, base: str | None, engine: str):
    """Run inference alone on a built graph and rewrite graph/inferred in its output files."""
    from spacekg import reason
    from spacekg.publish import sorted_nquads, write_formats

    iris = IRIs(base or configured_base())
    ds = load_build(build)
    t = time.perf_counter()
    result = reason.infer(ds, iris=iris, engine=engine)
    took = time.perf_counter() - t
    if result.unexplained:
        click.echo(f"warning: {len(result.unexplained)} inferred triples no known rule explains", err=True)
    build = Path(build)
    tmp = Path(tempfile.mkdtemp(prefix=f".{build.name}-", dir=build.parent))
    try:
        write_formats(sorted_nquads(ds), tmp, iris.base)
        for f in build.iterdir():
            if f.is_file() and not (tmp / f.name).exists():
                shutil.copy2(f, tmp / f.name)
        old = build.with_name(build.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        build.rename(old)
        tmp.rename(build)
        shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    by_rule: dict[str, int] = {}
    for d in result.derivations.values():
        by_rule[d.rule] = by_rule.get(d.rule, 0) + 1
    click.echo(f"{len(result.derivations)} inferred triples ({engine}, {took:.1f} s) written to {build}/spacekg.nq")
    for rule, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"  {n:>6}  {rule}")


COMMANDS = [validate_cmd, reason_cmd]
