//! Settings from `inkmark.toml`: the corpus folder's file wins over the user's
//! (`~/.config/inkmark/config.toml`), and command-line flags win over both.

use crate::label::{Label, LabelColor, LabelDef, LabelSet};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// Every key a config file may set; all optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Draw East Asian Ambiguous characters (“ ” … — ·) two columns wide.
    pub ambiguous_wide: Option<bool>,
    /// Columns between tab stops.
    pub tab_width: Option<u8>,
    /// Where annotation files are written.
    pub annotations: Option<PathBuf>,
    /// Name recorded in annotation files.
    pub annotator: Option<String>,
    /// Suggestions the detector scores under this probability (0-1) are not shown.
    pub min_score: Option<f32>,
    /// `[keys]`: reader action name -> its keys (one name or a list), replacing the
    /// defaults. Checked by the TUI's key map (unknown actions, clashes).
    #[serde(default)]
    pub keys: BTreeMap<String, KeyList>,
    /// Where each key binding was set, `FILE:LINE` (for error messages).
    #[serde(skip)]
    pub keys_origin: BTreeMap<String, PathBuf>,
    /// Patterns files (JSONL, one `{"label", "pattern" | "regex"}` per line), relative to
    /// the config file that names them.
    pub patterns: Option<Vec<PathBuf>>,
    /// `terms = { DISEASE = "diseases.txt" }`: label -> term list (one term per line),
    /// relative to the config file that names it.
    #[serde(default)]
    pub terms: BTreeMap<String, PathBuf>,
    /// The config file that set `patterns`.
    #[serde(skip)]
    pub patterns_origin: Option<PathBuf>,
    /// Which file set each term list.
    #[serde(skip)]
    pub terms_origin: BTreeMap<String, PathBuf>,
    /// `[[labels]]`: the corpus's label set, checked by [`Config::label_set`].
    #[serde(default)]
    pub labels: Vec<Spanned<LabelEntry>>,
    /// The built-in detector's labels -> the set's (`""` drops one).
    pub detector_labels: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    /// The file `labels` came from, for error lines.
    #[serde(skip)]
    pub labels_origin: Option<Origin>,
    /// The file `detector_labels` came from.
    #[serde(skip)]
    pub detector_labels_origin: Option<Origin>,
}

/// One `[[labels]]` table as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelEntry {
    pub name: Spanned<String>,
    pub key: Option<Spanned<String>>,
    pub color: Option<Spanned<String>>,
    #[serde(default)]
    pub description: String,
}

/// A config file and its text, to turn a value's byte span into a line number.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub path: PathBuf,
    text: Arc<str>,
}

impl Origin {
    /// `FILE:LINE` of the byte offset `at`.
    fn at(&self, at: usize) -> String {
        let line = self.text[..at.min(self.text.len())].matches('\n').count() + 1;
        format!("{}:{line}", self.path.display())
    }
}

/// One key name or a list of them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum KeyList {
    One(String),
    Many(Vec<String>),
}

impl KeyList {
    pub fn names(&self) -> Vec<String> {
        match self {
            KeyList::One(s) => vec![s.clone()],
            KeyList::Many(v) => v.clone(),
        }
    }
}

/// The values whose type does not say what is allowed, and the `[keys]` names, with
/// their places in the file: read before the config itself, so that a bad value is
/// reported in words with its line instead of as toml's `expected u8`.
#[derive(Deserialize)]
struct Places {
    tab_width: Option<Spanned<toml::Value>>,
    min_score: Option<Spanned<toml::Value>>,
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, toml::Value>,
}

/// The widest tab stop the reader draws; more would push text off any screen.
pub const MAX_TAB_WIDTH: i64 = 32;

impl Config {
    /// Parses one config file; every error is one line, `FILE:LINE: message`.
    pub fn parse(path: &Path, source: &str) -> Result<Config, String> {
        let origin = Origin {
            path: path.to_path_buf(),
            text: source.into(),
        };
        let places: Option<Places> = toml::from_str(source).ok();
        if let Some(p) = &places {
            check_ranges(p, &origin)?;
        }
        // One line: toml's own message draws the source line under it.
        let mut c: Config = toml::from_str(source).map_err(|e| {
            let mut at = e.span().map_or(0, |r| r.start.min(source.len()));
            while !source.is_char_boundary(at) {
                at -= 1;
            }
            format!(
                "{}: {}",
                origin.at(at),
                e.message().trim().replace('\n', "; ")
            )
        })?;
        let key_lines: BTreeMap<String, usize> = places
            .map(|p| {
                p.keys
                    .keys()
                    .map(|k| (k.get_ref().clone(), k.span().start))
                    .collect()
            })
            .unwrap_or_default();
        c.keys_origin = c
            .keys
            .keys()
            .map(|k| {
                let at = key_lines
                    .get(k)
                    .map_or(path.display().to_string(), |&at| origin.at(at));
                (k.clone(), PathBuf::from(at))
            })
            .collect();
        c.patterns_origin = c.patterns.as_ref().map(|_| path.to_path_buf());
        c.terms_origin = c
            .terms
            .keys()
            .map(|k| (k.clone(), path.to_path_buf()))
            .collect();
        if !c.labels.is_empty() {
            c.labels_origin = Some(origin.clone());
        }
        if c.detector_labels.is_some() {
            c.detector_labels_origin = Some(origin);
        }
        Ok(c)
    }

    /// The patterns files and term lists (label name, file), paths made relative to the
    /// config file that named them.
    pub fn pattern_files(&self) -> (Vec<PathBuf>, Vec<(String, PathBuf)>) {
        let near = |origin: Option<&PathBuf>, p: &Path| match origin.and_then(|o| o.parent()) {
            Some(dir) if p.is_relative() => dir.join(p),
            _ => p.to_path_buf(),
        };
        let files = self
            .patterns
            .iter()
            .flatten()
            .map(|p| near(self.patterns_origin.as_ref(), p))
            .collect();
        let terms = self
            .terms
            .iter()
            .map(|(l, p)| (l.clone(), near(self.terms_origin.get(l), p)))
            .collect();
        (files, terms)
    }

    /// Reads and compiles the patterns and term lists for `labels`: one line `file:line:
    /// what` on the first problem, and then nothing is loaded.
    pub fn load_patterns(
        &self,
        labels: &crate::label::LabelSet,
    ) -> Result<crate::detect::patterns::Patterns, String> {
        let (files, terms) = self.pattern_files();
        crate::detect::patterns::load(&files, &terms, labels)
    }

    /// `[keys]` as action -> key names.
    pub fn key_bindings(&self) -> BTreeMap<String, Vec<String>> {
        self.keys
            .iter()
            .map(|(a, k)| (a.clone(), k.names()))
            .collect()
    }

    /// Reads a config file; a missing file is an empty config.
    pub fn load(path: &Path) -> Result<Config, String> {
        match fs::read_to_string(path) {
            Ok(s) => Config::parse(path, &s),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Keys set in `over` replace those of `self`; a `[[labels]]` list replaces the
    /// other file's whole.
    pub fn overlay(self, over: Config) -> Config {
        let (mut keys, mut keys_origin) = (self.keys, self.keys_origin);
        keys.extend(over.keys);
        keys_origin.extend(over.keys_origin);
        let (mut terms, mut terms_origin) = (self.terms, self.terms_origin);
        terms.extend(over.terms);
        terms_origin.extend(over.terms_origin);
        let (patterns, patterns_origin) = match over.patterns {
            Some(p) => (Some(p), over.patterns_origin),
            None => (self.patterns, self.patterns_origin),
        };
        let (labels, labels_origin) = if over.labels.is_empty() {
            (self.labels, self.labels_origin)
        } else {
            (over.labels, over.labels_origin)
        };
        let (detector_labels, detector_labels_origin) = if over.detector_labels.is_some() {
            (over.detector_labels, over.detector_labels_origin)
        } else {
            (self.detector_labels, self.detector_labels_origin)
        };
        Config {
            keys,
            keys_origin,
            patterns,
            patterns_origin,
            terms,
            terms_origin,
            labels,
            labels_origin,
            detector_labels,
            detector_labels_origin,
            ambiguous_wide: over.ambiguous_wide.or(self.ambiguous_wide),
            tab_width: over.tab_width.or(self.tab_width),
            annotations: over.annotations.or(self.annotations),
            annotator: over.annotator.or(self.annotator),
            min_score: over.min_score.or(self.min_score),
        }
    }

    /// The checked label set: `[[labels]]` (keys, colours, descriptions) with
    /// `detector_labels`, or the default five when no file defines labels. Any problem is
    /// one line naming the file and line; nothing is half applied.
    pub fn label_set(&self) -> Result<LabelSet, String> {
        // Label keys may not shadow a reader command of the effective key map.
        let keymap = crate::tui::keys::KeyMap::new(&self.key_bindings(), &self.keys_origin)?;
        let set = match &self.labels_origin {
            Some(origin) if !self.labels.is_empty() => {
                parse_labels(&self.labels, origin, &|c| keymap.action_of_char(c))?
            }
            _ => LabelSet::default(),
        };
        let Some(map) = &self.detector_labels else {
            return Ok(set);
        };
        let origin = self.detector_labels_origin.as_ref();
        let at = |span: std::ops::Range<usize>| {
            origin.map_or("config".to_string(), |o| o.at(span.start))
        };
        let mut out = Vec::new();
        for (from, to) in map {
            let Some(from_label) =
                Label::parse(from.get_ref()).filter(|l| l.name() == from.get_ref().trim())
            else {
                return Err(format!(
                    "{}: detector_labels: unknown detector label {:?} (the detector's: {})",
                    at(from.span()),
                    from.get_ref(),
                    Label::DEFAULTS.map(|l| l.to_string()).join(", ")
                ));
            };
            let to_name = to.get_ref().trim();
            let to_label = if to_name.is_empty() {
                None
            } else {
                Some(Label::new(to_name).map_err(|e| {
                    format!(
                        "{}: detector_labels: {}: {e}",
                        at(to.span()),
                        from.get_ref()
                    )
                })?)
            };
            out.push((from_label, to_label));
        }
        Ok(set.with_detector_map(out))
    }

    /// The annotation folder, one rule for every command: `--annotations` (`flag`), else
    /// the config's `annotations`, else `annotations/<annotator>/` when an annotator is
    /// named (`--annotator`, else the config's `annotator`; $USER does not count, so a
    /// single user keeps `annotations/`), else `annotations/`.
    pub fn annotation_dir(
        &self,
        flag: Option<PathBuf>,
        annotator: Option<&str>,
    ) -> Result<PathBuf, String> {
        if let Some(dir) = flag.or_else(|| self.annotations.clone()) {
            return Ok(dir);
        }
        match annotator.or(self.annotator.as_deref()) {
            Some(name) => {
                check_annotator_name(name)?;
                Ok(Path::new("annotations").join(name))
            }
            None => Ok(PathBuf::from("annotations")),
        }
    }

    /// The user's config file, `$XDG_CONFIG_HOME/inkmark/config.toml` or the platform's
    /// equivalent; `INKMARK_CONFIG_DIR` overrides the folder (tests, portable setups).
    pub fn user_path() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("INKMARK_CONFIG_DIR") {
            return Some(PathBuf::from(dir).join("config.toml"));
        }
        dirs::config_dir().map(|d| d.join("inkmark").join("config.toml"))
    }

    /// The effective config for a corpus folder: user file, then `DIR/inkmark.toml`, or
    /// only `explicit` when given.
    pub fn resolve(corpus: Option<&Path>, explicit: Option<&Path>) -> Result<Config, String> {
        if let Some(path) = explicit {
            if !path.exists() {
                return Err(format!("{}: no such config file", path.display()));
            }
            return Config::load(path);
        }
        let user = match Config::user_path() {
            Some(p) => Config::load(&p)?,
            None => Config::default(),
        };
        let local = match corpus {
            Some(dir) => Config::load(&dir.join("inkmark.toml"))?,
            None => Config::default(),
        };
        Ok(user.overlay(local))
    }
}

/// `tab_width` and `min_score` within what the reader can use, said in words with the line.
fn check_ranges(p: &Places, origin: &Origin) -> Result<(), String> {
    if let Some(v) = &p.tab_width {
        let ok = v
            .get_ref()
            .as_integer()
            .is_some_and(|n| (1..=MAX_TAB_WIDTH).contains(&n));
        if !ok {
            return Err(format!(
                "{}: tab_width must be a whole number from 1 to {MAX_TAB_WIDTH} (got {})",
                origin.at(v.span().start),
                v.get_ref()
            ));
        }
    }
    if let Some(v) = &p.min_score {
        let n = match v.get_ref() {
            toml::Value::Float(f) => Some(*f),
            toml::Value::Integer(i) => Some(*i as f64),
            _ => None,
        };
        if !n.is_some_and(|n| (0.0..=1.0).contains(&n)) {
            return Err(format!(
                "{}: min_score must be a number from 0 to 1 (got {})",
                origin.at(v.span().start),
                v.get_ref()
            ));
        }
    }
    Ok(())
}

/// The `[[labels]]` tables as a set: names checked and unique, keys single characters
/// that are unique and no reader command's (`command` names the action of a key), the
/// others given the next free number key, colours parsed.
fn parse_labels(
    entries: &[Spanned<LabelEntry>],
    origin: &Origin,
    command: &dyn Fn(char) -> Option<&'static str>,
) -> Result<LabelSet, String> {
    let err = |span: std::ops::Range<usize>, msg: String| {
        Err(format!("{}: [[labels]]: {msg}", origin.at(span.start)))
    };
    let mut defs: Vec<LabelDef> = Vec::new();
    let mut lines: Vec<usize> = Vec::new();
    for entry in entries {
        let e = entry.get_ref();
        let name = e.name.get_ref();
        let label = match Label::new(name) {
            Ok(l) => l,
            Err(msg) => return err(e.name.span(), msg),
        };
        if let Some(i) = defs.iter().position(|d| d.label == label) {
            let first = origin.at(lines[i]);
            return err(
                e.name.span(),
                format!("label {name} is defined twice (first at {first})"),
            );
        }
        let key = match &e.key {
            None => None,
            Some(k) => {
                let mut chars = k.get_ref().chars();
                let (Some(c), None) = (chars.next(), chars.next()) else {
                    return err(
                        k.span(),
                        format!("{name}: key {:?} is not one character", k.get_ref()),
                    );
                };
                if c == '0' {
                    return err(
                        k.span(),
                        format!("{name}: key '0' cannot be a label key (0 starts a count)"),
                    );
                }
                if c.is_whitespace() || c.is_control() {
                    return err(
                        k.span(),
                        format!(
                            "{name}: key {c:?} cannot be a label key (a space or control character cannot be typed as one)"
                        ),
                    );
                }
                if let Some(action) = command(c) {
                    return err(
                        k.span(),
                        format!(
                            "{name}: key {c} is the reader's {action} key; pick another or move {action} in [keys]"
                        ),
                    );
                }
                if let Some(d) = defs.iter().find(|d| d.key == Some(c)) {
                    return err(
                        k.span(),
                        format!("{name}: key {c} is already {}'s", d.label),
                    );
                }
                Some(c)
            }
        };
        let color = match &e.color {
            None => None,
            Some(c) => match LabelColor::parse(c.get_ref()) {
                Ok(c) => Some(c),
                Err(msg) => return err(c.span(), format!("{name}: {msg}")),
            },
        };
        defs.push(LabelDef {
            label,
            key,
            color,
            description: e.description.trim().to_string(),
        });
        lines.push(e.name.span().start);
    }
    // Of the first nine labels, those without a key take the next number key no label
    // chose; labels past the ninth get none (the label menu reaches them).
    let taken: Vec<char> = defs.iter().filter_map(|d| d.key).collect();
    let mut free = ('1'..='9').filter(|c| !taken.contains(c));
    for d in defs.iter_mut().take(9) {
        if d.key.is_none() {
            d.key = free.next();
        }
    }
    Ok(LabelSet::new(defs))
}

/// An annotator's name becomes a folder name: one plain path component.
pub fn check_annotator_name(name: &str) -> Result<(), String> {
    let ok = !name.trim().is_empty()
        && !name.starts_with('.')
        && !name
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "annotator name {:?} cannot name a folder (no /, \\, leading dot or control characters)",
            crate::text::sanitize_line(name)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_annotation_folder_rule() {
        let none = Config::default();
        let named = Config {
            annotator: Some("alice".into()),
            ..Config::default()
        };
        let fixed = Config {
            annotator: Some("alice".into()),
            annotations: Some("ann".into()),
            ..Config::default()
        };
        let dir = |c: &Config, flag: Option<&str>, who: Option<&str>| {
            c.annotation_dir(flag.map(PathBuf::from), who).unwrap()
        };
        // Nobody named: the single user's annotations/.
        assert_eq!(dir(&none, None, None), Path::new("annotations"));
        // A named annotator (config or flag) gets a folder of their own.
        assert_eq!(dir(&named, None, None), Path::new("annotations/alice"));
        assert_eq!(dir(&none, None, Some("bob")), Path::new("annotations/bob"));
        assert_eq!(dir(&named, None, Some("bob")), Path::new("annotations/bob"));
        // A folder given by the config or the flag wins over the annotator.
        assert_eq!(dir(&fixed, None, Some("bob")), Path::new("ann"));
        assert_eq!(dir(&named, Some("x"), None), Path::new("x"));
        // A name that is not one path component is refused, not used as a path.
        for bad in ["../evil", "a/b", ".hidden", " ", "a\\b"] {
            assert!(none.annotation_dir(None, Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn parses_known_keys() {
        let c = Config::parse(
            Path::new("x.toml"),
            "ambiguous_wide = true\ntab_width = 8\n",
        )
        .unwrap();
        assert_eq!(c.ambiguous_wide, Some(true));
        assert_eq!(c.tab_width, Some(8));
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = Config::parse(Path::new("inkmark.toml"), "\nambiguous_wide = maybe\n").unwrap_err();
        assert!(e.starts_with("inkmark.toml:2: "), "{e}");
        let e = Config::parse(Path::new("inkmark.toml"), "\n\nambiguos_wide = true\n").unwrap_err();
        assert!(e.starts_with("inkmark.toml:3: unknown field"), "{e}");
    }

    #[test]
    fn values_out_of_range_are_config_errors_in_words_with_their_line() {
        let parse = |s: &str| Config::parse(Path::new("inkmark.toml"), s);
        for (text, want) in [
            (
                "annotator = \"a\"\nmin_score = 1.5\n",
                "inkmark.toml:2: min_score must be a number from 0 to 1 (got 1.5)",
            ),
            (
                "min_score = -1\n",
                "inkmark.toml:1: min_score must be a number from 0 to 1 (got -1)",
            ),
            (
                "\ntab_width = 100000\n",
                "inkmark.toml:2: tab_width must be a whole number from 1 to 32 (got 100000)",
            ),
            (
                "tab_width = 0\n",
                "inkmark.toml:1: tab_width must be a whole number from 1 to 32 (got 0)",
            ),
        ] {
            assert_eq!(parse(text).unwrap_err(), want);
        }
        let c = parse("tab_width = 32\nmin_score = 1\n").unwrap();
        assert_eq!((c.tab_width, c.min_score), (Some(32), Some(1.0)));
    }

    #[test]
    fn key_clashes_name_the_line_of_the_binding() {
        let c = Config::parse(
            Path::new("inkmark.toml"),
            "ambiguous_wide = true\n[keys]\nleft = \"P\"\nright = \"P\"\n",
        )
        .unwrap();
        let e = c.label_set().unwrap_err();
        assert!(e.starts_with("inkmark.toml:4: [keys]: "), "{e}");
    }

    #[test]
    fn a_space_as_a_label_key_is_refused_for_what_it_is() {
        let c = Config::parse(
            Path::new("inkmark.toml"),
            "[[labels]]\nname = \"PER\"\nkey = \" \"\n",
        )
        .unwrap();
        let e = c.label_set().unwrap_err();
        assert!(e.starts_with("inkmark.toml:3: "), "{e}");
        assert!(
            e.contains("space or control character") && !e.contains("count"),
            "{e}"
        );
    }

    #[test]
    fn later_layers_win() {
        let user = Config {
            ambiguous_wide: Some(true),
            tab_width: Some(8),
            ..Config::default()
        };
        let local = Config {
            tab_width: Some(2),
            ..Config::default()
        };
        let c = user.overlay(local);
        assert_eq!((c.ambiguous_wide, c.tab_width), (Some(true), Some(2)));
    }

    #[test]
    fn keys_take_one_name_or_a_list_and_remember_their_file() {
        let c = Config::parse(
            Path::new("inkmark.toml"),
            "[keys]\npanel = \"P\"\naccept = [\"a\", \"Enter\"]\n",
        )
        .unwrap();
        let b = c.key_bindings();
        assert_eq!(b["panel"], ["P"]);
        assert_eq!(b["accept"], ["a", "Enter"]);
        assert_eq!(c.keys_origin["panel"], Path::new("inkmark.toml:2"));
    }

    #[test]
    fn pattern_paths_are_relative_to_the_config_that_names_them() {
        let user = Config::parse(
            Path::new("/home/u/.config/inkmark/config.toml"),
            "patterns = [\"mine.jsonl\"]\nterms = { DRUG = \"drugs.txt\", PER = \"/abs/people.txt\" }\n",
        )
        .unwrap();
        let local = Config::parse(
            Path::new("corpus/inkmark.toml"),
            "terms = { DISEASE = \"lists/diseases.txt\" }\n",
        )
        .unwrap();
        let (files, terms) = user.clone().overlay(local).pattern_files();
        assert_eq!(files, [Path::new("/home/u/.config/inkmark/mine.jsonl")]);
        assert_eq!(
            terms,
            [
                (
                    "DISEASE".to_string(),
                    PathBuf::from("corpus/lists/diseases.txt")
                ),
                (
                    "DRUG".to_string(),
                    PathBuf::from("/home/u/.config/inkmark/drugs.txt")
                ),
                ("PER".to_string(), PathBuf::from("/abs/people.txt")),
            ]
        );
        // A corpus config's patterns replace the user's.
        let local =
            Config::parse(Path::new("c/inkmark.toml"), "patterns = [\"p.jsonl\"]\n").unwrap();
        assert_eq!(
            user.overlay(local).pattern_files().0,
            [Path::new("c/p.jsonl")]
        );
        // A missing patterns file stops loading, naming the file.
        let e = Config::parse(
            Path::new("/nowhere/inkmark.toml"),
            "patterns = [\"p.jsonl\"]\n",
        )
        .unwrap()
        .load_patterns(&crate::label::LabelSet::default())
        .unwrap_err();
        assert_eq!(e, "/nowhere/p.jsonl: no such file");
    }

    fn labels_of(src: &str) -> Result<LabelSet, String> {
        Config::parse(Path::new("inkmark.toml"), src)?.label_set()
    }

    const EIGHT: &str = r##"
[[labels]]
name = "PER"
[[labels]]
name = "LOC"
[[labels]]
name = "ORG"
[[labels]]
name = "TIME"
[[labels]]
name = "QTY"
[[labels]]
name = "DISEASE"
color = "magenta"
description = "疾病名称"
[[labels]]
name = "SYMPTOM"
key = "9"
[[labels]]
name = "DRUG"
color = "#12abEF"
"##;

    #[test]
    fn labels_take_the_next_free_number_key_and_their_colours() {
        let set = labels_of(EIGHT).unwrap();
        let keys: Vec<Option<char>> = set.defs().iter().map(|d| d.key).collect();
        // SYMPTOM chose 9, so DRUG gets the next free one, 7.
        let want = ['1', '2', '3', '4', '5', '6', '9', '7'].map(Some);
        assert_eq!(keys, want);
        let disease = Label::new("DISEASE").unwrap();
        assert_eq!(set.description(disease), "疾病名称");
        assert_eq!(
            set.def(disease).unwrap().color,
            Some(LabelColor::Indexed(163))
        );
        assert_eq!(set.color(7), LabelColor::Rgb(0x12, 0xab, 0xef));
        assert_eq!(set.color(7).hex(), "#12abef");
        // No colour: the palette's for its position.
        assert_eq!(set.color(0).hex(), "#d70000");
        // qa2 9f: the palette colour of L7's position (orange) is SYMPTOM's by the config:
        // L7 gets the next one instead of the same.
        let mut taken = String::new();
        for name in ["PER", "LOC", "ORG", "TIME", "QTY"] {
            taken.push_str(&format!("[[labels]]\nname = \"{name}\"\n"));
        }
        taken.push_str("[[labels]]\nname = \"SYMPTOM\"\ncolor = \"#d75f00\"\n");
        taken.push_str("[[labels]]\nname = \"L7\"\n[[labels]]\nname = \"L8\"\n");
        let set = labels_of(&taken).unwrap();
        let colours: Vec<String> = (0..8).map(|i| set.color(i).hex()).collect();
        assert_eq!(colours[5], "#d75f00");
        assert_eq!(colours[6], "#d70087", "the next palette colour");
        assert_eq!(colours[0], "#d70000", "the others keep their position's");
        for c in &colours {
            assert_eq!(colours.iter().filter(|x| *x == c).count(), 1, "{colours:?}");
        }
        // Past the ninth label, no number key is left.
        let mut many = String::new();
        for i in 0..11 {
            many.push_str(&format!("[[labels]]\nname = \"L{i}\"\n"));
        }
        let set = labels_of(&many).unwrap();
        assert_eq!(set.defs()[8].key, Some('9'));
        assert_eq!((set.defs()[9].key, set.defs()[10].key), (None, None));
        // Even when a letter key leaves a number free.
        let set = labels_of(&many.replacen("\"L0\"\n", "\"L0\"\nkey = \"m\"\n", 1)).unwrap();
        assert_eq!(set.defs()[8].key, Some('8'));
        assert_eq!(set.defs()[9].key, None);
        // A letter key of its own, free in the reader.
        let set = labels_of("[[labels]]\nname = \"X\"\nkey = \"m\"\n").unwrap();
        assert_eq!(set.by_key('m'), Some(Label::new("X").unwrap()));
    }

    #[test]
    fn no_labels_anywhere_is_the_default_five_and_a_corpus_list_replaces_the_users() {
        assert_eq!(labels_of("tab_width = 2\n").unwrap(), LabelSet::default());
        let user = Config::parse(Path::new("user.toml"), "[[labels]]\nname = \"A\"\n").unwrap();
        let corpus = Config::parse(Path::new("inkmark.toml"), EIGHT).unwrap();
        let none = Config::parse(Path::new("inkmark.toml"), "tab_width = 2\n").unwrap();
        let names = |c: Config| -> Vec<String> {
            c.label_set()
                .unwrap()
                .labels()
                .map(|l| l.to_string())
                .collect()
        };
        assert_eq!(names(user.clone().overlay(corpus)).len(), 8);
        assert_eq!(
            names(user.overlay(none)),
            ["A"],
            "the user's list is the fallback"
        );
    }

    #[test]
    fn every_label_error_is_one_line_with_the_file_and_line() {
        let cases: &[(&str, &str)] = &[
            (
                "[[labels]]\nname = \"A\"\n[[labels]]\nname = \"A\"\n",
                "inkmark.toml:4: [[labels]]: label A is defined twice (first at inkmark.toml:2)",
            ),
            (
                "[[labels]]\nname = \"A\"\nkey = \"7\"\n[[labels]]\nname = \"B\"\nkey = \"7\"\n",
                "inkmark.toml:6: [[labels]]: B: key 7 is already A's",
            ),
            (
                "[[labels]]\nname = \"A\"\n\nkey = \"j\"\n",
                "inkmark.toml:4: [[labels]]: A: key j is the reader's down key",
            ),
            (
                "[[labels]]\nname = \"A\"\nkey = \"ab\"\n",
                "inkmark.toml:3: [[labels]]: A: key \"ab\" is not one character",
            ),
            (
                "[[labels]]\nname = \"A\"\nkey = \"0\"\n",
                "inkmark.toml:3: [[labels]]: A: key '0' cannot be a label key",
            ),
            (
                "[[labels]]\nname = \"A\"\ncolor = \"chartreuse\"\n",
                "inkmark.toml:3: [[labels]]: A: unknown colour \"chartreuse\" (names: red,",
            ),
            (
                "[[labels]]\nname = \"A\"\ncolor = \"#12345\"\n",
                "inkmark.toml:3: [[labels]]: A: colour \"#12345\" is not #rrggbb",
            ),
            (
                "\n[[labels]]\nname = \"疾病\"\n",
                "inkmark.toml:3: [[labels]]: label name \"疾病\" has '疾'",
            ),
            (
                "detector_labels = { LOC = \"GPE\", PLACE = \"X\" }\n",
                "inkmark.toml:1: detector_labels: unknown detector label \"PLACE\" (the detector's: PER, LOC, ORG, TIME, QTY)",
            ),
        ];
        for (src, want) in cases {
            let e = labels_of(src).unwrap_err();
            assert!(e.starts_with(want), "{e}\nwanted: {want}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
        // A missing name is toml's error, with its line, on one line.
        let e = labels_of("\n[[labels]]\nkey = \"7\"\n").unwrap_err();
        assert_eq!(e, "inkmark.toml:2: missing field `name`");
        // A clash with a rebound command key counts, a key moved away is free.
        let src = "[keys]\ndown = \"m\"\n[[labels]]\nname = \"A\"\nkey = \"m\"\n";
        assert!(labels_of(src)
            .unwrap_err()
            .contains("the reader's down key"));
        let src = "[keys]\ndown = \"m\"\n[[labels]]\nname = \"A\"\nkey = \"j\"\n";
        assert_eq!(
            labels_of(src).unwrap().by_key('j'),
            Some(Label::new("A").unwrap())
        );
    }

    #[test]
    fn detector_labels_rename_or_drop_and_labels_outside_the_set_are_not_suggested() {
        let src = format!(
            "detector_labels = {{ LOC = \"GPE\", TIME = \"\" }}\n{}",
            EIGHT.replace("\"LOC\"", "\"GPE\"")
        );
        let set = labels_of(&src).unwrap();
        let gpe = Label::new("GPE").unwrap();
        assert_eq!(set.suggested(Label::LOC), Some(gpe));
        assert_eq!(set.suggested(Label::TIME), None, "mapped to \"\": dropped");
        assert_eq!(set.suggested(Label::PER), Some(Label::PER));
        // A set without ORG gets no ORG suggestions.
        let set = labels_of("[[labels]]\nname = \"PER\"\n").unwrap();
        assert_eq!(set.suggested(Label::ORG), None);
        assert_eq!(set.suggested(Label::PER), Some(Label::PER));
        // Mapped to a name the set lacks: dropped too.
        let set = labels_of("detector_labels = { PER = \"PERSON\" }\n").unwrap();
        assert_eq!(set.suggested(Label::PER), None);
        assert_eq!(set.suggested(Label::LOC), Some(Label::LOC));
    }
}
