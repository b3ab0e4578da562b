//! A corpus with its own label set (the five plus DISEASE, SYMPTOM, DRUG, from
//! tests/fixtures/labels/inkmark.toml) through every command: check, stats, export, import,
//! relabel, agree, detect, and a bad config.

use inkmark::annotation::store::{Loaded, Store};
use inkmark::annotation::{AnnotationFile, Entity, Source, Status};
use inkmark::detect::sha256_hex;
use inkmark::label::Label;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const A: &str = "患者张伟确诊新冠肺炎，出现发热症状，医生给他服用了连花清瘟。\n";
const B: &str = "北京市卫生健康委员会通报，新冠肺炎患者李娜已出院。\n";

struct Fx {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Fx {
    /// The corpus folder `corpus/` with the eight-label config and two articles, their
    /// annotations in `ann/`.
    fn new() -> Fx {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::create_dir_all(root.join("corpus")).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/labels/inkmark.toml"),
            root.join("corpus/inkmark.toml"),
        )
        .unwrap();
        std::fs::write(root.join("corpus/a.txt"), A).unwrap();
        std::fs::write(root.join("corpus/b.txt"), B).unwrap();
        let fx = Fx { _dir: dir, root };
        fx.save(
            "ann",
            "a.txt",
            A,
            &[
                ("张伟", "PER"),
                ("新冠肺炎", "DISEASE"),
                ("发热", "SYMPTOM"),
                ("连花清瘟", "DRUG"),
            ],
        );
        fx.save(
            "ann",
            "b.txt",
            B,
            &[("北京市卫生健康委员会", "ORG"), ("新冠肺炎", "DISEASE")],
        );
        fx
    }

    fn save(&self, ann: &str, rel: &str, text: &str, words: &[(&str, &str)]) {
        let mut f = AnnotationFile::new(rel, &sha256_hex(text.as_bytes()), "fixture");
        f.status = Status::Done;
        f.entities = words
            .iter()
            .map(|&(w, l)| {
                let b = text.find(w).unwrap();
                let start = text[..b].chars().count();
                Entity {
                    start,
                    end: start + w.chars().count(),
                    label: Label::new(l).unwrap(),
                    text: w.to_string(),
                    source: Source::Manual,
                    by: Vec::new(),
                }
            })
            .collect();
        let path = self.root.join(ann).join(rel).with_extension("json");
        let (mut store, _) = Store::open(&path).unwrap();
        store.save(&f).unwrap();
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_inkmark"))
            .current_dir(&self.root)
            .env("INKMARK_CONFIG_DIR", self.root.join("no-user-config"))
            .env("INKMARK_STATE_DIR", self.root.join("state"))
            .args(args)
            .output()
            .unwrap()
    }

    fn config(&self) -> PathBuf {
        self.root.join("corpus/inkmark.toml")
    }

    fn labels_of(&self, rel: &str) -> Vec<String> {
        let path = self.root.join("ann").join(rel).with_extension("json");
        match Store::open(&path).unwrap().1 {
            Loaded::Found(f) => f.entities.iter().map(|e| e.label.to_string()).collect(),
            other => panic!("{other:?}"),
        }
    }
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_accepts_the_set_and_reports_a_label_renamed_in_the_config_only() {
    let fx = Fx::new();
    let ok = fx.run(&["check", "--annotations", "ann", "corpus"]);
    assert!(ok.status.success(), "{}{}", out(&ok), err(&ok));
    // DISEASE renamed in the config alone: the files' DISEASE is now stale.
    let cfg = std::fs::read_to_string(fx.config()).unwrap();
    std::fs::write(fx.config(), cfg.replace("\"DISEASE\"", "\"ILLNESS\"")).unwrap();
    let bad = fx.run(&["check", "--annotations", "ann", "corpus"]);
    assert_eq!(bad.status.code(), Some(1));
    let lines: Vec<String> = out(&bad).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].ends_with(
            "a.json: 6..10 \"新冠肺炎\": label DISEASE is not in the label set (inkmark relabel renames it)"
        ),
        "{lines:?}"
    );
    assert!(lines[1].contains("b.json: 13..17"), "{lines:?}");
}

#[test]
fn stats_lists_the_set_in_order_then_unknown_labels_marked() {
    let fx = Fx::new();
    let s = fx.run(&["stats", "--annotations", "ann", "corpus"]);
    assert!(s.status.success(), "{}", err(&s));
    let names: Vec<String> = out(&s)
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["PER", "LOC", "ORG", "TIME", "QTY", "DISEASE", "SYMPTOM", "DRUG"]
    );
    assert!(
        out(&s).contains("  DISEASE     2   新冠肺炎 ×2\n"),
        "{}",
        out(&s)
    );
    // Without DRUG in the set, it comes last, marked.
    let cfg = std::fs::read_to_string(fx.config()).unwrap();
    let cut = cfg.find("[[labels]]\nname = \"DRUG\"").unwrap();
    std::fs::write(fx.config(), &cfg[..cut]).unwrap();
    let s = fx.run(&["stats", "--annotations", "ann", "corpus"]);
    let text = out(&s);
    let last = text.lines().rfind(|l| l.starts_with("  ")).unwrap();
    assert_eq!(last, "  DRUG        1   连花清瘟 ×1 (not in the label set)");
    let json = fx.run(&["stats", "--json", "--annotations", "ann", "corpus"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["unknown_labels"], serde_json::json!(["DRUG"]));
}

#[test]
fn export_writes_brat_and_label_studio_configs_from_the_set() {
    let fx = Fx::new();
    let brat = fx.run(&[
        "export",
        "-f",
        "brat",
        "-o",
        "out/brat",
        "--annotations",
        "ann",
        "corpus",
    ]);
    assert!(brat.status.success(), "{}", err(&brat));
    let conf = std::fs::read_to_string(fx.root.join("out/brat/annotation.conf")).unwrap();
    assert!(
        conf.starts_with("[entities]\nPER\nLOC\nORG\nTIME\nQTY\nDISEASE\nSYMPTOM\nDRUG\n\n"),
        "{conf}"
    );
    let visual = std::fs::read_to_string(fx.root.join("out/brat/visual.conf")).unwrap();
    assert!(
        visual.contains("# DISEASE: 疾病名称, e.g. 新冠肺炎\nDISEASE | DISEASE\n"),
        "{visual}"
    );
    // magenta is palette index 163 (#d700af); SYMPTOM's own #d75f00; DRUG the palette's 8th.
    assert!(visual.contains("DISEASE\tbgColor:#d700af\n"), "{visual}");
    assert!(visual.contains("SYMPTOM\tbgColor:#d75f00\n"), "{visual}");
    assert!(visual.contains("DRUG\tbgColor:#d70087\n"), "{visual}");
    let ann = std::fs::read_to_string(fx.root.join("out/brat/a.ann")).unwrap();
    assert!(ann.contains("\tDRUG 25 29\t连花清瘟\n"), "{ann}");
    let ls = fx.run(&[
        "export",
        "-f",
        "labelstudio",
        "--no-predictions",
        "-o",
        "out/ls.json",
        "--annotations",
        "ann",
        "corpus",
    ]);
    assert!(ls.status.success(), "{}", err(&ls));
    assert!(
        err(&ls).contains("labelling config: out/ls-config.xml"),
        "{}",
        err(&ls)
    );
    let xml = std::fs::read_to_string(fx.root.join("out/ls-config.xml")).unwrap();
    assert!(xml.starts_with("<View>\n  <Labels name=\"label\" toName=\"text\">\n    <Label value=\"PER\" background=\"#d70000\" hotkey=\"1\" hint=\"person\"/>\n"), "{xml}");
    assert!(
        xml.contains("<Label value=\"DISEASE\" background=\"#d700af\" hotkey=\"6\" hint=\"疾病名称, e.g. 新冠肺炎\"/>"),
        "{xml}"
    );
    assert!(xml.ends_with("</Labels>\n  <Text name=\"text\" value=\"$text\"/>\n</View>\n"));
    // --labels takes the set's names.
    let only = fx.run(&[
        "export",
        "-f",
        "spacy",
        "--labels",
        "DISEASE,DRUG",
        "--annotations",
        "ann",
        "corpus",
    ]);
    assert!(only.status.success(), "{}", err(&only));
    let text = out(&only);
    assert_eq!(text.matches("\"label\":").count(), 3, "{text}");
    let bad = fx.run(&[
        "export",
        "-f",
        "spacy",
        "--labels",
        "VIRUS",
        "--annotations",
        "ann",
        "corpus",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(err(&bad).contains("unknown label \"VIRUS\" (the label set: PER, LOC, ORG, TIME, QTY, DISEASE, SYMPTOM, DRUG)"), "{}", err(&bad));
}

/// A Label Studio task list with labels of another scheme.
fn foreign_tasks() -> String {
    let text = "患者王芳确诊流感，出现咳嗽症状。\n";
    let r = |start: usize, end: usize, label: &str| {
        serde_json::json!({"type": "labels", "from_name": "label", "to_name": "text",
            "value": {"start": start, "end": end, "labels": [label]}})
    };
    serde_json::json!([{
        "data": {"text": text, "article": "c.txt"},
        "annotations": [{"result": [r(2, 4, "Person"), r(6, 8, "Illness"), r(11, 13, "Sign"), r(0, 2, "Sign")]}]
    }])
    .to_string()
}

#[test]
fn import_maps_foreign_labels_and_stops_or_adds_the_unknown_ones() {
    let fx = Fx::new();
    std::fs::write(fx.root.join("tasks.json"), foreign_tasks()).unwrap();
    let config_before = std::fs::read_to_string(fx.config()).unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec![
            "import",
            "-f",
            "labelstudio",
            "tasks.json",
            "--dir",
            "corpus",
            "--annotations",
            "ann",
        ];
        args.extend_from_slice(extra);
        fx.run(&args)
    };
    // Person is a synonym of PER; Illness and Sign are unknown: nothing is written.
    let stopped = import(&[]);
    assert_eq!(stopped.status.code(), Some(1));
    let e = err(&stopped);
    assert!(
        e.contains(
            "label Illness is not in the label set: 1 span (first: tasks.json: task 1 result 2)"
        ),
        "{e}"
    );
    assert!(
        e.contains("label Sign is not in the label set: 2 spans"),
        "{e}"
    );
    assert!(e.contains("nothing imported: 2 unknown labels"), "{e}");
    assert!(!fx.root.join("corpus/c.txt").exists());
    assert!(!fx.root.join("ann/c.json").exists());
    // --map names the rest.
    let mapped = import(&["--map", "Illness=DISEASE,Sign=SYMPTOM"]);
    assert!(mapped.status.success(), "{}", err(&mapped));
    assert_eq!(
        fx.labels_of("c.txt"),
        ["SYMPTOM", "PER", "DISEASE", "SYMPTOM"]
    );
    // A target outside the set is refused before anything happens.
    let bad = import(&["--map", "Sign=COUGH"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        err(&bad).contains("--map \"Sign=COUGH\": \"COUGH\" is not in the label set"),
        "{}",
        err(&bad)
    );
    // --add-labels appends the unknown ones to inkmark.toml, keeping its text.
    std::fs::remove_file(fx.root.join("ann/c.json")).unwrap();
    let added = import(&["--map", "Illness=DISEASE", "--add-labels"]);
    assert!(added.status.success(), "{}", err(&added));
    assert!(
        err(&added).contains("added labels Sign to corpus/inkmark.toml"),
        "{}",
        err(&added)
    );
    let config_after = std::fs::read_to_string(fx.config()).unwrap();
    assert!(
        config_after.starts_with(&config_before),
        "the old text is kept"
    );
    assert!(
        config_after.ends_with(
            "\n[[labels]]\nname = \"Sign\"\ndescription = \"added by inkmark import\"\n"
        ),
        "{config_after}"
    );
    assert_eq!(fx.labels_of("c.txt"), ["Sign", "PER", "DISEASE", "Sign"]);
    let check = fx.run(&["check", "--annotations", "ann", "corpus"]);
    assert!(check.status.success(), "{}", out(&check));
}

#[test]
fn add_labels_to_a_config_without_labels_keeps_the_defaults() {
    let fx = Fx::new();
    std::fs::write(fx.config(), "tab_width = 2\n").unwrap();
    std::fs::write(fx.root.join("tasks.json"), foreign_tasks()).unwrap();
    let added = fx.run(&[
        "import",
        "-f",
        "labelstudio",
        "tasks.json",
        "--dir",
        "corpus",
        "--annotations",
        "ann2",
        "--add-labels",
    ]);
    assert!(added.status.success(), "{}", err(&added));
    let cfg = inkmark::config::Config::load(&fx.config()).unwrap();
    let names: Vec<String> = cfg
        .label_set()
        .unwrap()
        .labels()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(
        names,
        ["PER", "LOC", "ORG", "TIME", "QTY", "Illness", "Sign"]
    );
    assert!(std::fs::read_to_string(fx.config())
        .unwrap()
        .starts_with("tab_width = 2\n"));
}

#[test]
fn relabel_renames_merges_dry_runs_and_never_overwrites_a_broken_file() {
    let fx = Fx::new();
    // b.txt already has 新冠肺炎 as ILLNESS too: relabelling DISEASE merges it.
    fx.save(
        "ann",
        "b.txt",
        B,
        &[
            ("北京市卫生健康委员会", "ORG"),
            ("新冠肺炎", "DISEASE"),
            ("新冠肺炎", "ILLNESS"),
        ],
    );
    std::fs::create_dir_all(fx.root.join("ann/sub")).unwrap();
    std::fs::write(fx.root.join("ann/sub/broken.json"), "{ not json").unwrap();
    let before_a = std::fs::read(fx.root.join("ann/a.json")).unwrap();
    let dry = fx.run(&[
        "relabel",
        "DISEASE",
        "ILLNESS",
        "corpus",
        "--annotations",
        "ann",
        "--dry-run",
    ]);
    let text = out(&dry);
    assert!(
        text.contains("ann/a.json: would rename 1 DISEASE -> ILLNESS\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "ann/b.json: would rename 1 DISEASE -> ILLNESS (1 already ILLNESS: kept once)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("skipped ann/sub/broken.json: does not parse"),
        "{text}"
    );
    assert!(
        text.contains("would change 2 spans in 2 of 2 annotation files (dry run: nothing written)"),
        "{text}"
    );
    assert_eq!(std::fs::read(fx.root.join("ann/a.json")).unwrap(), before_a);
    assert_eq!(dry.status.code(), Some(1), "a skipped file is a failure");
    let real = fx.run(&[
        "relabel",
        "DISEASE",
        "ILLNESS",
        "corpus",
        "--annotations",
        "ann",
    ]);
    assert!(
        out(&real).contains("changed 2 spans in 2 of 2 annotation files\n"),
        "{}",
        out(&real)
    );
    assert!(
        err(&real).contains("ILLNESS is not in the label set yet"),
        "{}",
        err(&real)
    );
    assert_eq!(fx.labels_of("a.txt"), ["PER", "ILLNESS", "SYMPTOM", "DRUG"]);
    assert_eq!(fx.labels_of("b.txt"), ["ORG", "ILLNESS"]);
    assert_eq!(
        std::fs::read_to_string(fx.root.join("ann/sub/broken.json")).unwrap(),
        "{ not json"
    );
    // The files now hold ILLNESS, the config still DISEASE: check says so.
    let check = fx.run(&["check", "--annotations", "ann", "corpus"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(
        out(&check).contains("label ILLNESS is not in the label set"),
        "{}",
        out(&check)
    );
}

#[test]
fn agree_and_train_refuse_labels_outside_the_set() {
    let fx = Fx::new();
    fx.save(
        "team/bob",
        "a.txt",
        A,
        &[("张伟", "PER"), ("新冠肺炎", "VIRUS")],
    );
    fx.save(
        "team/carol",
        "a.txt",
        A,
        &[("张伟", "PER"), ("新冠肺炎", "DISEASE")],
    );
    let agree = fx.run(&["agree", "corpus", "--team", "team"]);
    assert_eq!(agree.status.code(), Some(1));
    let e = err(&agree);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("inkmark: label VIRUS is not in the label set: 1 span, the first in team/bob/a.json at 6..10"), "{e}");
    assert!(agree.stdout.is_empty());
    let train = fx.run(&["train", "corpus", "--annotations", "team/bob"]);
    assert_eq!(train.status.code(), Some(1));
    assert!(
        err(&train).contains("label VIRUS is not in the label set"),
        "{}",
        err(&train)
    );
    assert!(!fx
        .root
        .join("team/bob")
        .join(inkmark::learn::MODEL_FILE)
        .exists());
}

#[test]
fn a_bad_label_config_is_one_line_with_file_and_line_and_nothing_starts() {
    let fx = Fx::new();
    let cfg = std::fs::read_to_string(fx.config()).unwrap();
    let bad = cfg.replace("name = \"DRUG\"", "name = \"DRUG\"\nkey = \"j\"");
    std::fs::write(fx.config(), &bad).unwrap();
    let line = bad.lines().position(|l| l == "key = \"j\"").unwrap() + 1;
    let want = format!(
        "inkmark: corpus/inkmark.toml:{line}: [[labels]]: DRUG: key j is the reader's down key; pick another or move down in [keys]\n"
    );
    for args in [
        &["stats", "--annotations", "ann", "corpus"][..],
        &["check", "--annotations", "ann", "corpus"],
        &["export", "-f", "spacy", "--annotations", "ann", "corpus"],
        &["corpus"],
    ] {
        let o = fx.run(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert_eq!(err(&o), want, "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
    // Two labels named alike.
    let twice = cfg.replace("name = \"DRUG\"", "name = \"SYMPTOM\"");
    std::fs::write(fx.config(), &twice).unwrap();
    let o = fx.run(&["stats", "corpus"]);
    assert!(
        err(&o)
            .contains("[[labels]]: label SYMPTOM is defined twice (first at corpus/inkmark.toml:"),
        "{}",
        err(&o)
    );
}

#[test]
fn detect_suggests_only_the_sets_labels_renamed_by_detector_labels() {
    let fx = Fx::new();
    let dir = fx.root.join("gpe");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("inkmark.toml"),
        "detector_labels = { LOC = \"GPE\" }\n[[labels]]\nname = \"PER\"\n[[labels]]\nname = \"GPE\"\n",
    )
    .unwrap();
    let text = "郑州市卫生健康委员会主任高轶鹏在北京表示，2020年1月24日捐款200万元。\n";
    std::fs::write(dir.join("x.txt"), text).unwrap();
    std::fs::write(fx.root.join("plain.txt"), text).unwrap();
    let all = fx.run(&["detect", "--rules", "plain.txt"]);
    let labels = |o: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["label"].as_str().unwrap(),
                    e["text"].as_str().unwrap()
                )
            })
            .collect()
    };
    let all = labels(&all);
    assert!(all.contains(&"LOC 北京".to_string()), "{all:?}");
    assert!(all.iter().any(|l| l.starts_with("TIME ")), "{all:?}");
    let mapped = labels(&fx.run(&["detect", "--rules", "gpe/x.txt"]));
    let want: Vec<String> = all
        .iter()
        .filter_map(|l| {
            let (label, t) = l.split_once(' ').unwrap();
            match label {
                "PER" => Some(l.clone()),
                "LOC" => Some(format!("GPE {t}")),
                _ => None,
            }
        })
        .collect();
    assert_eq!(mapped, want);
    assert_eq!(mapped, ["GPE 郑州市", "PER 高轶鹏", "GPE 北京"]);
}

#[test]
fn import_maps_labels_no_name_can_carry() {
    let fx = Fx::new();
    let line = serde_json::json!({
        "text": "患者王芳确诊流感。\n", "article": "d.txt",
        "label": [[2, 4, "人名"], [6, 8, "疾病"]]
    });
    std::fs::write(fx.root.join("d.jsonl"), format!("{line}\n")).unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec![
            "import",
            "-f",
            "doccano",
            "d.jsonl",
            "--dir",
            "corpus",
            "--annotations",
            "ann",
        ];
        args.extend_from_slice(extra);
        fx.run(&args)
    };
    let stopped = import(&[]);
    assert_eq!(stopped.status.code(), Some(1));
    assert!(
        err(&stopped).contains("label 疾病 is not in the label set: 1 span"),
        "{}",
        err(&stopped)
    );
    assert!(
        err(&stopped).contains("label 人名 is not in the label set: 1 span"),
        "{}",
        err(&stopped)
    );
    // They cannot become labels of their own: --add-labels says to map them.
    let add = import(&["--add-labels"]);
    assert_eq!(add.status.code(), Some(1));
    assert!(
        err(&add).contains("map it (--map 人名=LABEL)"),
        "{}",
        err(&add)
    );
    assert!(!fx.root.join("corpus/d.txt").exists());
    let mapped = import(&["--map", "人名=PER,疾病=DISEASE"]);
    assert!(mapped.status.success(), "{}", err(&mapped));
    assert_eq!(fx.labels_of("d.txt"), ["PER", "DISEASE"]);
}
