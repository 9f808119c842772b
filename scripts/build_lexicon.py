"""Build ``pipeline/resources/lexicons/drugs.v1.jsonl`` (the drug-mention lexicon) with provenance.

Inputs
------
- ``../shared/data/drug_lexicon.csv``: RxNorm prescribable (IN/PIN/MIN + brand names) and CMS NDC-HCPCS
  crosswalk drug names (NLM / CMS, public).
- ``../shared/data/hcpcs_drugs.csv``: CMS HCPCS drug codes; used to name crosswalk terms that have no RxNorm
  link (the generic from the code's long description).
- ``pipeline/resources/lexicons/curated_terms.v1.csv``: hand-curated nursing abbreviations, misspellings,
  IV fluids, RxNorm "A" ingredients missing from the shared lexicon and common home medications.
- ``pipeline/resources/lexicons/synonyms.v1.csv``: British/INN names mapped to the US generic (salbutamol ->
  albuterol, co-amoxiclav -> amoxicillin/clavulanate), regional and lower-case brands, chart abbreviations
  (NAC, DHE, MTX), combination products under their one name, concentrations of saline other than 0.9%.
  Its rows override shared rows; curated rows override both.
- ``pipeline/resources/lexicons/stopterms.v1.txt``: terms never to match (common English words etc.).

Every output row: ``term`` (as written), ``drug`` (lowercase generic), ``rxcui`` (or null), ``kind``,
``source``, ``case_sensitive`` (bool), ``chemo`` (the generic has a HCPCS J9xxx chemotherapy code).
Curated rows win over synonym rows, and both over shared rows, for the same lowercase term. Ester and salt
words of a base ingredient ("triamcinolone acetonide", "testosterone cypionate") are dropped from the name.
A ``drugs.v1.provenance.json`` next to it records input sha256s and counts.

Usage: ``.venv/bin/python scripts/build_lexicon.py [--shared ../shared/data]``
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEX_DIR = ROOT / "pipeline" / "resources" / "lexicons"
OUT = LEX_DIR / "drugs.v1.jsonl"
PROV = LEX_DIR / "drugs.v1.provenance.json"

SALT_WORDS = {
    "hydrochloride", "hcl", "sodium", "sulfate", "sulphate", "potassium", "calcium", "citrate", "tartrate",
    "mesylate", "maleate", "phosphate", "acetate", "bromide", "chloride", "succinate", "fumarate",
    "tromethamine", "carbonate",
    "besylate", "hyclate", "lactate", "gluconate", "disodium", "dihydrate", "monohydrate", "anhydrous",
    "magnesium", "trihydrate", "bitartrate", "hydrobromide", "decanoate", "palmitate", "propionate",
    "dipropionate", "valerate", "sodium succinate", "porcine", "bovine", "human", "recombinant", "liposomal",
}
MIN_TERM_LEN = 3
MINERALS = {"sodium", "potassium", "magnesium", "calcium", "ferrous", "ferric", "zinc", "lithium", "aluminum",
            "ammonium", "cupric", "manganese", "selenious", "chromic"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def norm_space(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def load_stopterms(path: Path) -> set[str]:
    out: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip().lower()
        if line:
            out.add(line)
    return out


def base_name(name: str, ingredients: dict[str, str]) -> tuple[str, str | None]:
    """Reduce an RxNorm PIN/MIN/salt name to a known base ingredient when possible.

    Returns ``(drug, rxcui_of_base_or_None)``.
    """
    n = norm_space(name.lower().replace("(", " ").replace(")", " "))
    if " / " in n or "/" in n:
        parts = [base_name(p, ingredients)[0] for p in re.split(r"\s*/\s*", n)]
        return "/".join(parts), None
    if n in ingredients:
        return n, ingredients[n]
    head = n.split(",")[0].strip()
    if head in ingredients:
        return head, ingredients[head]
    words = head.split()
    while len(words) > 1 and (words[-1] in SALT_WORDS or words[-1] in VARIANT_WORDS):
        words = words[:-1]
        cand = " ".join(words)
        if cand in ingredients:
            return cand, ingredients[cand]
    if head.endswith(" usp"):
        return head[:-4], ingredients.get(head) or ingredients.get(head[:-4])
    stripped = re.sub(r",\s*(?:human|porcine|bovine|recombinant)$", "", head)
    if "complex" in stripped:
        stripped = re.sub(r"-complex$|\s+complex$", "", stripped).replace("-", " ")
    words = stripped.split()
    if words and words[0] not in MINERALS:
        while len(words) > 1 and words[-1] in SALT_WORDS:
            words = words[:-1]
    if " ".join(words) != n:
        return " ".join(words), None
    words = head.split()
    while len(words) > 1 and words[0] in SALT_WORDS:
        words = words[1:]
        cand = " ".join(words)
        if cand in ingredients:
            return cand, ingredients[cand]
    return n, None


def resolve_variants(key: str, bases: dict[str, tuple[str | None, str]],
                     term_types: set[str]) -> tuple[str, str | None] | None:
    """Name a term whose RxNorm rows point at several base names, when they are one drug after all.

    Parameters
    ----------
    key
        The lowercase term.
    bases
        Base name -> (rxcui, term type) of every row of the term.
    term_types
        The term types of those rows.

    Returns
    -------
    ``(drug, rxcui)`` or ``None`` when the names stay ambiguous. Three cases resolve:

    1. the term is itself one of the names ("meropenem" next to "meropenem/vaborbactam");
    2. every name is one shortest name plus a biosimilar suffix or an ester/salt word
       ("bevacizumab-maly", "triamcinolone acetonide", "testosterone undecanoate"): that name;
    3. the single-ingredient names are all components of the same combination (a brand of a combination
       product, "Bactrim", "Symbicort"): the combination, its components sorted as RxNorm writes
       multi-ingredient names (taken from the combination row when there is one).
    Brands that also cover a different single-ingredient product ("Cipro" with ciprofloxacin and
    ciprofloxacin/hydrocortisone) stay ambiguous: the single name alone does not cover the combination.
    """
    if key in bases:
        return key, bases[key][0]
    names = sorted(bases, key=len)
    short = names[0]
    if short in NOT_A_PRODUCT_NAME:
        return None
    if "/" not in short and all(n == short or is_variant(short, n) for n in names[1:]):
        return short, bases[short][0]
    singles = {n for n in bases if "/" not in n}
    singles = {n for n in singles if not any(is_variant(o, n) for o in singles if o != n)}
    combos = [n for n in bases if "/" in n]
    if len(singles) < 2 or any(s in key for s in singles) or singles & PARTIAL_COMPONENTS:
        return None
    if any(a != b and a[:6] == b[:6] for a in singles for b in singles):
        return None  # synonyms or a longer product name ("glycopyrrolate"/"glycopyrronium")
    covering = [c for c in combos if set(c.split("/")) == singles and not set(c.split("/")) - singles]
    if len(covering) == 1:
        return covering[0], bases[covering[0]][0]
    if combos or len(singles) > 3 or term_types != {"brand_name"}:
        return None
    return "/".join(sorted(singles)), None


# Ingredients RxNorm lists only partly for multi-component solutions, bowel preps and vitamin brands:
# a combination built from them would name a different product, so such brands stay unmatched.
PARTIAL_COMPONENTS = {
    "glucose", "sodium chloride", "potassium chloride", "calcium chloride", "magnesium sulfate", "lactate",
    "urea", "calcium acetate", "sodium acetate", "folic acid", "vitamin b12", "pyridoxine", "thiamine",
    "vitamin k1",
}
# Ingredients that are never a product's own name (a co-formulated enzyme of a subcutaneous biologic).
NOT_A_PRODUCT_NAME = {"hyaluronidase"}
VARIANT_WORDS = {
    "acetonide", "hexacetonide", "furoate", "undecanoate", "cypionate", "enanthate", "isethionate",
    "lactobionate", "rdna",
}


def is_variant(short: str, name: str) -> bool:
    """``name`` is ``short`` with a biosimilar suffix ("-maly") or a trailing ester/salt word."""
    if re.fullmatch(re.escape(short) + r"-[a-z]{4}", name):
        return True
    rest = name[len(short):].split() if name.startswith(short + " ") else []
    return bool(rest) and all(w in VARIANT_WORDS or w in SALT_WORDS for w in rest)


def hcpcs_generic(long_desc: str) -> str | None:
    """Generic name from a HCPCS long description ("Injection, amikacin sulfate, 100 mg" -> "amikacin")."""
    d = long_desc.lower()
    m = re.match(r"^(?:injection|infusion|inj)\s*,\s*([^,]+)", d)
    if not m:
        return None
    name = re.sub(r"\([^)]*\)", " ", m.group(1))
    name = re.sub(r"\b(?:for injection|injection|intravenous|for intravenous use)\b", " ", name)
    name = norm_space(name)
    if not name or any(ch.isdigit() for ch in name):
        return None
    words = name.split()
    while len(words) > 1 and words[-1] in SALT_WORDS:
        words = words[:-1]
    return " ".join(words)


def add_curated_rows(out: dict[str, dict[str, object]], path: Path, ingredients: dict[str, str],
                     source: str) -> int:
    """Add the rows of a curated term file (``term,drug,rxcui?,kind,case_sensitive``) to ``out``.

    A row replaces any earlier row of the same lowercase term (case-insensitive rows) or of the same exact
    term (case-sensitive rows). A missing rxcui is taken from the shared lexicon's ingredient of that name
    (or of the first component of a single-named drug). Returns the number of rows read.
    """
    n = 0
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            term = norm_space(r["term"])
            drug = r["drug"].strip().lower()
            cui = (r.get("rxcui") or "").strip() or None
            if cui is None:
                first = drug.split("/")[0]
                cui = ingredients.get(drug) or (ingredients.get(first) if "/" not in drug else None)
            case_sensitive = r["case_sensitive"].strip().upper() == "Y"
            key = term if case_sensitive else term.lower()
            if not case_sensitive:
                out.pop(term.lower(), None)
            out[key] = {
                "term": term,
                "drug": drug,
                "rxcui": cui,
                "kind": r["kind"].strip(),
                "source": source,
                "case_sensitive": case_sensitive,
            }
            n += 1
    return n


def reorder_combinations(out: dict[str, dict[str, object]]) -> int:
    """Name shared combination rows in the order the curated rows use ("epinephrine/lidocaine" from a
    brand's RxNorm ingredients becomes the curated "lidocaine/epinephrine"), so one product has one name.

    Returns the number of rows renamed.
    """
    canonical: dict[frozenset[str], str] = {}
    for row in out.values():
        drug = str(row["drug"])
        if "/" in drug and not str(row["source"]).startswith("shared"):
            canonical.setdefault(frozenset(drug.split("/")), drug)
    n = 0
    for row in out.values():
        drug = str(row["drug"])
        if "/" in drug and str(row["source"]).startswith("shared"):
            name = canonical.get(frozenset(drug.split("/")))
            if name is not None and name != drug:
                row["drug"] = name
                n += 1
    return n


def build(shared: Path) -> dict[str, object]:
    lex_rows = list(csv.DictReader((shared / "drug_lexicon.csv").open(encoding="utf-8")))
    hcpcs_rows = list(csv.DictReader((shared / "hcpcs_drugs.csv").open(encoding="utf-8")))
    curated_path = LEX_DIR / "curated_terms.v1.csv"
    synonyms_path = LEX_DIR / "synonyms.v1.csv"
    stop_path = LEX_DIR / "stopterms.v1.txt"
    stop = load_stopterms(stop_path)
    hcpcs_desc = {r["code"]: r["long_description"] for r in hcpcs_rows}

    # ingredient name -> rxcui (IN and MIN rows)
    ingredients: dict[str, str] = {}
    for r in lex_rows:
        if r["term_type"] in ("ingredient", "multi_ingredient") and r["ingredient_rxcui"]:
            ingredients[r["ingredient_name"].lower()] = r["ingredient_rxcui"]

    # candidates per lowercase term
    cands: dict[str, list[dict[str, str]]] = defaultdict(list)
    written: dict[str, str] = {}
    for r in lex_rows:
        t = norm_space(r["term"])
        key = t.lower()
        written.setdefault(key, t)
        cands[key].append(r)

    # normalized drug -> HCPCS codes (J9xxx = chemotherapy drugs in HCPCS Level II)
    drug_codes: dict[str, set[str]] = defaultdict(set)
    for r in lex_rows:
        if r["ingredient_name"] and r["term_type"] in ("ingredient", "precise_ingredient",
                                                      "multi_ingredient"):
            d0 = base_name(r["ingredient_name"], ingredients)[0]
            drug_codes[d0].update(c for c in r["hcpcs_codes"].split(";") if c)

    out: dict[str, dict[str, object]] = {}
    dropped_stop = dropped_ambiguous = dropped_unnamed = n_resolved = 0
    for key, rows in cands.items():
        if key in stop or len(key) < MIN_TERM_LEN:
            dropped_stop += 1
            continue
        named = [(r, *base_name(r["ingredient_name"], ingredients)) for r in rows if r["ingredient_name"]]
        choice: tuple[str, str | None, str] | None = None
        if named:
            bases: dict[str, tuple[str | None, str]] = {}
            for r, drug, base_cui in named:
                bases.setdefault(drug, (base_cui or r["ingredient_rxcui"] or None, r["term_type"]))
            if len(bases) == 1:
                drug, (cui, ttype) = next(iter(bases.items()))
                choice = (drug, cui, ttype)
            else:
                in_term = [d for d in bases if d.split("/")[0] in key or key in d]
                single = [d for d in bases if "/" not in d]
                resolved = resolve_variants(key, bases, {str(r["term_type"]) for r, _, _ in named})
                if resolved is not None:
                    d, cui = resolved
                    choice = (d, cui, bases[d][1] if d in bases else "brand_combination")
                    n_resolved += 1
                elif len(in_term) == 1:
                    d = in_term[0]
                    choice = (d, bases[d][0], bases[d][1])
                elif len(single) == 1 and not in_term:
                    d = single[0]
                    choice = (d, bases[d][0], bases[d][1])
                else:
                    dropped_ambiguous += 1
                    continue
        else:
            names = {hcpcs_generic(hcpcs_desc.get(c, "")) for r in rows for c in r["hcpcs_codes"].split(";")}
            names.discard(None)
            if len(names) != 1:
                dropped_unnamed += 1
                continue
            choice = (str(next(iter(names))), None, "hcpcs_description")
        drug, cui, ttype = choice
        if drug in stop:
            dropped_stop += 1
            continue
        out[key] = {
            "term": written[key],
            "drug": drug,
            "rxcui": cui,
            "kind": ttype,
            "source": "shared/data/drug_lexicon.csv",
            "case_sensitive": False,
        }
    # ensure every ingredient name maps to itself even if shadowed above
    n_shared = len(out)

    # synonym rows (BAN/INN names, regional brands, chart abbreviations) override shared rows; curated rows
    # override both; a blank rxcui is filled from the shared lexicon by drug name
    n_synonyms = add_curated_rows(out, synonyms_path, ingredients, "synonyms.v1.csv")
    n_curated = add_curated_rows(out, curated_path, ingredients, "curated_terms.v1.csv")
    n_reordered = reorder_combinations(out)

    for row in out.values():
        row["chemo"] = any(c.startswith("J9") for c in drug_codes.get(str(row["drug"]), ()))
    rows_out = sorted(out.values(), key=lambda d: (str(d["term"]).lower(), str(d["drug"])))
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows_out:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    prov = {
        "output": OUT.name,
        "output_sha256": sha256(OUT),
        "rows": len(rows_out),
        "inputs": {
            "drug_lexicon.csv": {"sha256": sha256(shared / "drug_lexicon.csv"),
                                 "source": "RxNorm prescribable 2025-10-06 + CMS ASP NDC-HCPCS crosswalk"},
            "hcpcs_drugs.csv": {"sha256": sha256(shared / "hcpcs_drugs.csv"), "source": "CMS HCPCS 2025 Oct"},
            curated_path.name: {"sha256": sha256(curated_path), "source": "curated by infucode extraction"},
            synonyms_path.name: {"sha256": sha256(synonyms_path),
                                 "source": "BAN/INN vs USAN names, regional brands and chart abbreviations "
                                           "(curated by infucode extraction)"},
            stop_path.name: {"sha256": sha256(stop_path), "source": "curated by infucode extraction"},
        },
        "counts": {
            "shared_terms_kept": n_shared,
            "curated_rows": n_curated,
            "synonym_rows": n_synonyms,
            "combinations_renamed_to_curated_order": n_reordered,
            "dropped_stopterm_or_short": dropped_stop,
            "dropped_ambiguous": dropped_ambiguous,
            "resolved_variants_or_combinations": n_resolved,
            "dropped_unnamed": dropped_unnamed,
        },
        "builder": "scripts/build_lexicon.py",
    }
    PROV.write_text(json.dumps(prov, indent=2) + "\n", encoding="utf-8")
    return prov


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args(argv)
    prov = build(args.shared)
    print(json.dumps(prov["counts"]), prov["rows"], "rows ->", OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
