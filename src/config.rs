//! Settings from `inkmark.toml`: the corpus folder's file wins over the user's
//! (`~/.config/inkmark/config.toml`), and command-line flags win over both.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

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
    /// Which file set each key binding (for error messages).
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

impl Config {
    /// Parses one config file; the error names the file, line and column.
    pub fn parse(path: &Path, source: &str) -> Result<Config, String> {
        let mut c: Config =
            toml::from_str(source).map_err(|e| format!("{}: {e}", path.display()))?;
        c.keys_origin = c
            .keys
            .keys()
            .map(|k| (k.clone(), path.to_path_buf()))
            .collect();
        c.patterns_origin = c.patterns.as_ref().map(|_| path.to_path_buf());
        c.terms_origin = c
            .terms
            .keys()
            .map(|k| (k.clone(), path.to_path_buf()))
            .collect();
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

    /// Keys set in `over` replace those of `self`.
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
        Config {
            keys,
            keys_origin,
            patterns,
            patterns_origin,
            terms,
            terms_origin,
            ambiguous_wide: over.ambiguous_wide.or(self.ambiguous_wide),
            tab_width: over.tab_width.or(self.tab_width),
            annotations: over.annotations.or(self.annotations),
            annotator: over.annotator.or(self.annotator),
            min_score: over.min_score.or(self.min_score),
        }
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
        assert!(e.starts_with("inkmark.toml: "), "{e}");
        assert!(e.contains("line 2"), "{e}");
        let e = Config::parse(Path::new("inkmark.toml"), "ambiguos_wide = true\n").unwrap_err();
        assert!(e.contains("unknown field"), "{e}");
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
        assert_eq!(c.keys_origin["panel"], Path::new("inkmark.toml"));
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
}
