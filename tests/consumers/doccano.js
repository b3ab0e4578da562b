// Reads inkmark's doccano exports with doccano's editor library, v-annotator: its `Text`
// class (the one the editor maps offsets with) is taken from the published bundle, where
// it is not exported, by naming it as the bundle is loaded. Default projects index the
// JavaScript string (UTF-16); grapheme-mode projects index grapheme clusters and map
// them with Text.toCodePointOffset (which, despite its name, gives string indices).
// usage: NODE_PATH=.../node_modules node doccano.js OUT_DIR
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");

const out = process.argv[2];
const file = require.resolve("v-annotator/dist/v-annotator.common.js");
const version = require("v-annotator/package.json").version;
let src = fs.readFileSync(file, "utf8");
const marker = "var Text_Text = /*#__PURE__*/function () {";
if (!src.includes(marker)) throw new Error("v-annotator's Text class not found in " + file);
src = src.replace(marker, "var Text_Text = globalThis.__inkmarkText = /*#__PURE__*/function () {");
const m = new Module(file, module);
m.filename = file;
m.paths = Module._nodeModulePaths(path.dirname(file));
m._compile(src, file);
const Text = globalThis.__inkmarkText;

const truth = JSON.parse(fs.readFileSync(path.join(out, "truth.json"), "utf8"));
const byArticle = new Map(truth.map((d) => [d.article, d]));
const key = (e) => `${e[2]}\u0000${e[3]}`;

function check(name, graphemes) {
  let n = 0;
  const lines = fs.readFileSync(path.join(out, name), "utf8").split("\n").filter((l) => l);
  for (const line of lines) {
    const d = JSON.parse(line);
    const t = byArticle.get(d.article);
    if (!t || t.text !== d.text) throw new Error(`${name}: ${d.article}: text differs`);
    const text = new Text(d.text);
    const got = d.label.map(([s, e, l]) => {
      const [a, b] = graphemes ? [text.toCodePointOffset(s), text.toCodePointOffset(e)] : [s, e];
      if (a === undefined || b === undefined) throw new Error(`${name}: ${d.article}: ${s}..${e} out of range`);
      return key([0, 0, l, d.text.slice(a, b)]);
    });
    const want = t.entities.map(key);
    if (JSON.stringify(got.sort()) !== JSON.stringify(want.sort())) {
      throw new Error(`${name}: ${d.article}:\n got ${JSON.stringify(got)}\nwant ${JSON.stringify(want)}`);
    }
    n += got.length;
  }
  const total = truth.reduce((a, d) => a + d.entities.length, 0);
  if (n !== total) throw new Error(`${name}: ${n} of ${total} entities`);
  console.log(`ok: v-annotator ${version} Text, ${graphemes ? "grapheme" : "default (UTF-16)"} mode, ${name}: ${n} entities`);
}

check("doccano.jsonl", false);
check("doccano-graphemes.jsonl", true);

// Label Studio before PR #1559 indexed the JavaScript string: --offsets utf16.
let n = 0;
for (const task of JSON.parse(fs.readFileSync(path.join(out, "labelstudio-utf16.json"), "utf8"))) {
  for (const r of task.annotations[0].result) {
    const v = r.value;
    if (task.data.text.slice(v.start, v.end) !== v.text) {
      throw new Error(`labelstudio-utf16: ${JSON.stringify(v)}`);
    }
    n += 1;
  }
}
console.log(`ok: labelstudio --offsets utf16 read as JavaScript string indices: ${n} entities`);
