"""Measuring extraction against the curated knowledge base (used by test_plan_extract)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingest.plans.extract import extract
from ingest.plans.reading import read_path

DATA = Path(__file__).resolve().parents[1] / "data"
SEEDS = ("000_ad48b25927ecef2e", "001_7675cb991152f466", "002_29b2058011f3f7c1",
         "003_4e3fe20dd1e81567", "004_5c3bcb5129e3b430")


def kb(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / "kb" / name, dtype=str, keep_default_na=False)


def extract_seed(plan_id: str) -> dict:
    return extract(read_path(DATA / "plans" / f"{plan_id}.txt"), DATA)


def target_key(value, year, unit, kind) -> tuple:
    return (round(float(value), 4), int(year), unit, kind)


def target_figures(results: dict[str, dict]) -> dict:
    """Recall of curated target rows and the share of candidates matching one."""
    curated = kb("targets.csv")
    curated = curated[curated.plan_id.isin(results)]
    keys = {pid: {target_key(r.value, r.year, r.unit, r.kind) for r in rows.itertuples()}
            for pid, rows in curated.groupby("plan_id")}
    found = {pid: {target_key(t["value"], t["year"], t["unit"], t["kind"]) for t in res["targets"]}
             for pid, res in results.items()}
    hits = sum(target_key(r.value, r.year, r.unit, r.kind) in found[r.plan_id]
               for r in curated.itertuples())
    candidates = [(pid, t) for pid, res in results.items() for t in res["targets"]]
    good = sum(target_key(t["value"], t["year"], t["unit"], t["kind"]) in keys.get(pid, set())
               for pid, t in candidates)
    return {"recall": hits / len(curated), "precision": good / max(len(candidates), 1),
            "curated": len(curated), "candidates": len(candidates)}


def entity_figures(results: dict[str, dict]) -> dict:
    """Recall of curated entities (name or alias found) and precision of the candidates."""
    entities = kb("entities.csv")
    entities = entities[entities.plan_id.isin(results)]
    known = {n for row in kb("entities.csv").itertuples()
             for n in [row.name, *row.aliases.split("|")] if n}
    known |= {n for row in kb("partners.csv").itertuples()
              for n in [row.name, *row.aliases.split("|")] if n}
    names = {pid: {e["name"] for e in res["entities"]} for pid, res in results.items()}
    hits = sum(any(n in names[row.plan_id] for n in [row.name, *row.aliases.split("|")] if n)
               for row in entities.itertuples())
    candidates = [e["name"] for res in results.values() for e in res["entities"]]
    good = sum(name in known for name in candidates)
    return {"recall": hits / len(entities), "precision": good / max(len(candidates), 1),
            "curated": len(entities), "candidates": len(candidates)}


def partnership_figures(results: dict[str, dict]) -> dict:
    """Recall of curated partnerships (partner named in the same plan) and precision."""
    partners = {row.id: [n for n in [row.name, *row.aliases.split("|")] if n]
                for row in kb("partners.csv").itertuples()}
    curated = kb("partnerships.csv")
    curated = curated[curated.plan_id.isin(results)]
    found = {pid: {p["partner"] for p in res["partnerships"]} for pid, res in results.items()}
    hits = sum(any(n in found[row.plan_id] for n in partners[row.partner_id])
               for row in curated.itertuples())
    known = {n for names in partners.values() for n in names}
    candidates = [p["partner"] for res in results.values() for p in res["partnerships"]]
    return {"recall": hits / len(curated), "precision": sum(c in known for c in candidates)
            / max(len(candidates), 1), "curated": len(curated), "candidates": len(candidates)}
