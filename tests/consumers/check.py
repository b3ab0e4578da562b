"""Loads inkmark's exports of the fixture corpus into the real consumers and checks that
each reads exactly the entities of truth.json (code points, from the annotation files).

usage: check.py OUT_DIR README [--stdlib-only]
With --stdlib-only (no venv), only what needs no package runs: brat, read the way brat
reads it, and plain offset slicing; each library check says "skipped:".
"""
import collections
from importlib import metadata
import json
import pathlib
import re
import subprocess
import sys

out = pathlib.Path(sys.argv[1])
readme = pathlib.Path(sys.argv[2])
stdlib_only = "--stdlib-only" in sys.argv
truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
by_article = {d["article"]: d for d in truth}
by_text = {d["text"]: d for d in truth}
# The labelling config inkmark writes beside the task list, from the label set.
CONFIG = (out / "labelstudio-config.xml").read_text(encoding="utf-8")
assert '<Label value="PER" background="#d70000"' in CONFIG, CONFIG


def want(d):
    return sorted((e[0], e[1], e[2], e[3]) for e in d["entities"])


def total():
    return sum(len(d["entities"]) for d in truth)


def squeeze(s):
    """The text as CoNLL writes it: without what Python's split() strips."""
    return "".join(s.split())


def ok(what, n):
    print(f"ok: {what}: {n} entities")


def utf16_to_cp(text, u):
    """Code point offset of UTF-16 offset u, as JavaScript indexes the string."""
    units = 0
    for i, c in enumerate(text):
        if units == u:
            return i
        units += 2 if ord(c) > 0xFFFF else 1
    assert units == u, (text, u)
    return len(text)


# doccano, default projects: UTF-16 offsets (the JavaScript string).
def check_doccano_utf16():
    n = 0
    for line in (out / "doccano.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        t = by_article[d["article"]]
        got = sorted(
            (utf16_to_cp(d["text"], s), utf16_to_cp(d["text"], e), l,
             d["text"][utf16_to_cp(d["text"], s):utf16_to_cp(d["text"], e)])
            for s, e, l in d["label"]
        )
        assert got == want(t), ("doccano utf16", d["article"], got, want(t))
        n += len(got)
    assert n == total()
    ok("doccano JSONL read as UTF-16 (Python mirror of the JavaScript string)", n)


# brat: `.ann` lines as brat's reader splits them (Python 2 codecs readline and Python 3
# both split at most at what str.splitlines() splits), fragments as code-point slices of
# the .txt, the text column equal to the fragments joined by a space, no fragment
# holding a line break (brat rejects those).
def check_brat():
    n = 0
    root = out / "brat"
    assert (root / "annotation.conf").is_file()
    for d in truth:
        base = root / d["article"]
        txt = base.with_suffix(".txt").read_bytes().decode("utf-8")
        assert txt == d["text"], d["article"]
        got = []
        for line in base.with_suffix(".ann").read_bytes().decode("utf-8").splitlines():
            cols = line.split("\t")
            assert len(cols) == 3, ("brat line", d["article"], line)
            label, offsets = cols[1].split(" ", 1)
            frags = [tuple(map(int, f.split(" "))) for f in offsets.split(";")]
            pieces = [txt[a:b] for a, b in frags]
            for p in pieces:
                assert p and p.splitlines() == [p], ("brat fragment", d["article"], p)
            assert " ".join(pieces) == cols[2], ("brat text", d["article"], line)
            lo, hi = frags[0][0], frags[-1][1]
            got.append((lo, hi, label, txt[lo:hi]))
        assert sorted(got) == want(d), ("brat", d["article"], sorted(got), want(d))
        n += len(got)
    assert n == total()
    ok("brat .ann read as brat reads it (splitlines, code points)", n)


# Label Studio: the sdk validates every annotation and prediction against the labelling
# config, its Converter parses the task list, and the spans are read as Label Studio's
# editor reads them (code points: text[start:end]).
def check_labelstudio(sdk):
    from label_studio_sdk.label_interface import LabelInterface

    li = LabelInterface(CONFIG)
    tasks = json.loads((out / "labelstudio.json").read_text(encoding="utf-8"))
    n_pred = 0
    for task in tasks:
        for a in task["annotations"]:
            errors = li._validate_object_logic(a)
            assert not errors, ("labelstudio annotation", errors)
        for p in task.get("predictions", []):
            errors = li.validate_prediction(p, return_errors=True)
            assert not errors, ("labelstudio prediction", errors)
            for r in p["result"]:
                v = r["value"]
                assert task["data"]["text"][v["start"]:v["end"]] == v["text"], v
                n_pred += 1
    conv = sdk.Converter(config=CONFIG, project_dir=None)
    n = 0
    seen = set()
    for item in conv.iter_from_json_file(str(out / "labelstudio.json")):
        text = item["input"]["text"]
        t = by_article[item["input"]["article"]]
        assert text == t["text"]
        got = sorted(
            (v["start"], v["end"], v["labels"][0], text[v["start"]:v["end"]])
            for v in item["output"].get("label", [])
        )
        assert got == want(t), ("labelstudio", t["article"], got, want(t))
        for v in item["output"].get("label", []):
            assert text[v["start"]:v["end"]] == v["text"], v
        seen.add(t["article"])
        n += len(got)
    assert seen == set(by_article) and n == total(), (seen, n)
    return n, n_pred


def check_labelstudio_sdk():
    import label_studio_sdk.converter as sdk

    n, n_pred = check_labelstudio(sdk)
    ok(f"label-studio-sdk {metadata.version('label-studio-sdk')} "
       f"validation + Converter (and {n_pred} predictions)", n)


def check_labelstudio_converter():
    try:
        import label_studio_converter as old
    except ImportError as e:
        print(f"skipped: label-studio-converter: not installed ({e})")
        return
    n, _ = check_labelstudio(old)
    ok(f"label-studio-converter {metadata.version('label-studio-converter')} Converter", n)


def conll_sentences(path, sep_check=None):
    sents, cur = [], []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("-DOCSTART-"):
            continue
        if not line.strip():
            if cur:
                sents.append(cur)
            cur = []
            continue
        if sep_check:
            sep_check(line)
        cols = line.split()
        assert len(cols) == 2, ("conll line", line)
        cur.append(cols)
    if cur:
        sents.append(cur)
    return sents


def conll_want():
    return collections.Counter((e[2], squeeze(e[3])) for d in truth for e in d["entities"])


# seqeval on the CoNLL output: strict IOB2 (default) and IOBES (--scheme bioes) find every
# entity whole; no entity is cut at a sentence end.
def check_seqeval():
    from seqeval.metrics import classification_report, f1_score
    from seqeval.metrics.sequence_labeling import get_entities
    from seqeval.scheme import IOB2, IOBES, Entities

    for file, scheme, sep in [("conll.txt", IOB2, "\t"), ("conll-bioes.txt", IOBES, "\t"),
                              ("conll-space.txt", IOB2, " "), ("conll-docstart.txt", IOB2, "\t")]:
        def sep_check(line, sep=sep):
            assert line.count(sep) == 1, (file, "separator", line)
        sents = conll_sentences(out / file, sep_check)
        chars = [[c for c, _ in s] for s in sents]
        tags = [[t for _, t in s] for s in sents]
        strict = Entities(tags, scheme)  # the strict-mode reader: a broken entity is dropped
        got = collections.Counter(
            (e.tag, "".join(chars[e.sent_id][e.start:e.end]))
            for sent in strict.entities for e in sent
        )
        assert got == conll_want(), (file, got - conll_want(), conll_want() - got)
        if scheme is IOB2:
            # Lenient (conlleval) reading agrees.
            lenient = collections.Counter(
                (l, "".join(chars[i][s:e + 1]))
                for i, t in enumerate(tags) for l, s, e in get_entities(t)
            )
            assert lenient == conll_want(), (file, "lenient")
        assert f1_score(tags, tags, mode="strict", scheme=scheme) == 1.0
        classification_report(tags, tags, mode="strict", scheme=scheme)
        ok(f"seqeval {metadata.version('seqeval')} strict "
           f"{scheme.__name__} on {file}", sum(got.values()))


# spaCy: `spacy convert --converter ner` on the CoNLL output (with and without
# -DOCSTART-), and the README's lines that turn the JSONL into a DocBin.
def check_spacy():
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("zh")
    for file in ["conll.txt", "conll-docstart.txt", "conll-space.txt"]:
        conv = out / ("spacy-" + file.replace(".txt", ""))
        conv.mkdir(exist_ok=True)
        r = subprocess.run(
            [sys.executable, "-m", "spacy", "convert", str(out / file), str(conv),
             "--converter", "ner", "--file-type", "spacy"],
            capture_output=True, text=True,
        )
        assert r.returncode == 0, (file, r.stdout, r.stderr)
        docs = list(DocBin().from_disk(conv / file.replace(".txt", ".spacy")).get_docs(nlp.vocab))
        got = collections.Counter((e.label_, "".join(t.text for t in e)) for d in docs for e in d.ents)
        assert got == conll_want(), (file, got - conll_want(), conll_want() - got)
        if file == "conll-docstart.txt":
            assert len(docs) == len(truth), ("one doc per article", len(docs))
        ok(f"spacy {spacy.__version__} convert --converter ner on {file}", sum(got.values()))

    # The README's block, run as it stands.
    text = readme.read_text(encoding="utf-8")
    m = re.search(r"<!-- spacy-docbin[^>]*-->\s*```python\n(.*?)```", text, re.S)
    assert m, "the README's spaCy block (marked spacy-docbin) is missing"
    exec(compile(m.group(1), "README.md spacy-docbin", "exec"), {})
    docs = list(DocBin().from_disk(out / "train.spacy").get_docs(nlp.vocab))
    assert len(docs) == len(truth)
    n = 0
    for d in docs:
        t = by_text[d.text]
        got = sorted((e.start_char, e.end_char, e.label_, e.text) for e in d.ents)
        assert got == want(t), ("spacy DocBin", t["article"], got, want(t))
        n += len(got)
    # And xx (no Chinese segmentation) would not line up: the reason for zh.
    xx = spacy.blank("xx")
    misaligned = sum(
        xx.make_doc(d["text"]).char_span(e[0], e[1]) is None for d in truth for e in d["entities"]
    )
    ok(f"spacy {spacy.__version__} DocBin from the README's lines with blank('zh') "
       f"(blank('xx') misaligns {misaligned})", n)


checks = [("brat", check_brat), ("doccano", check_doccano_utf16)]
libs = [("label-studio-sdk", check_labelstudio_sdk),
        ("label-studio-converter", check_labelstudio_converter),
        ("seqeval", check_seqeval), ("spacy", check_spacy)]
for name, f in checks:
    f()
for name, f in libs:
    if stdlib_only:
        print(f"skipped: {name}: no venv with the package (run .ci/consumers)")
    else:
        f()
