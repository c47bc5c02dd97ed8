"""Extraction that reads Japanese: the language layer and the rules over its parses.

* :mod:`spacekg.extract.parse` — GiNZA (spaCy + SudachiPy) parses of a document's normalised
  text, chunk by chunk (one line or paragraph at a time), cached on disk by document hash and
  model version; every token maps back to normalised and original-file offsets.
* :mod:`spacekg.extract.syntax` — declarative syntactic rules (data/rules/syntax.yaml): a
  predicate lemma set with case-marked arguments (が/は agent, を theme, と partner, で
  instrument/place, に date/target) mapped to ontology properties, with passive, coordination,
  relative clauses, modality (予定・目標 → plan properties) and negation (no fact).
* :mod:`spacekg.extract.discourse` — discourse rules: the topic entity of a section or of the
  document fills a dropped subject; the document's date anchors 本日, 同日 and year-less dates.
"""
