//! Entity labels: the default set of design.md (PER, LOC, ORG, TIME, QTY).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// Longest label name, in bytes (names are ASCII).
pub const MAX_LABEL_LEN: usize = 30;

/// An entity label: a name of 1 to [`MAX_LABEL_LEN`] characters `[A-Za-z0-9_-]`, what the
/// annotation files store. Labels are data (a corpus defines its own in `inkmark.toml`, see
/// [`LabelSet`]); the name is kept inline so that a `Label` (and a [`Span`]) stays `Copy`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Label {
    len: u8,
    bytes: [u8; MAX_LABEL_LEN],
}

impl Label {
    pub const PER: Label = Label::from_static("PER");
    pub const LOC: Label = Label::from_static("LOC");
    pub const ORG: Label = Label::from_static("ORG");
    pub const TIME: Label = Label::from_static("TIME");
    pub const QTY: Label = Label::from_static("QTY");

    /// The default set of design.md, in key order.
    pub const DEFAULTS: [Label; 5] = [Label::PER, Label::LOC, Label::ORG, Label::TIME, Label::QTY];

    /// A label from a name known at compile time; panics (at compile time in a const) on an
    /// invalid name.
    pub const fn from_static(name: &str) -> Label {
        let b = name.as_bytes();
        assert!(
            !b.is_empty() && b.len() <= MAX_LABEL_LEN,
            "label name length"
        );
        let mut bytes = [0u8; MAX_LABEL_LEN];
        let mut i = 0;
        while i < b.len() {
            assert!(is_name_byte(b[i]), "label name character");
            bytes[i] = b[i];
            i += 1;
        }
        Label {
            len: b.len() as u8,
            bytes,
        }
    }

    /// A label named exactly `name`, or why it cannot be one.
    pub fn new(name: &str) -> Result<Label, String> {
        if name.is_empty() {
            return Err("a label name cannot be empty".into());
        }
        if name.len() > MAX_LABEL_LEN {
            return Err(format!(
                "label name {name:?} is longer than {MAX_LABEL_LEN} characters"
            ));
        }
        if let Some(c) = name
            .chars()
            .find(|&c| !c.is_ascii() || !is_name_byte(c as u8))
        {
            return Err(format!(
                "label name {name:?} has {c:?}: names are letters A-Z a-z, digits, _ and -"
            ));
        }
        Ok(Label::from_static(name))
    }

    pub fn name(&self) -> &str {
        // Only ASCII bytes ever get in (checked by `from_static`).
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or("?")
    }

    /// One of the default labels from its name or a common synonym (PERSON, GPE, DATE...):
    /// what importers of foreign files map by default. `None` for anything else.
    pub fn parse(s: &str) -> Option<Label> {
        match s.trim().to_ascii_uppercase().as_str() {
            "PER" | "PERSON" => Some(Label::PER),
            "LOC" | "GPE" | "PLACE" | "LOCATION" => Some(Label::LOC),
            "ORG" | "ORGANIZATION" | "ORGANISATION" => Some(Label::ORG),
            "TIME" | "DATE" => Some(Label::TIME),
            "QTY" | "QUANTITY" => Some(Label::QTY),
            _ => None,
        }
    }
}

const fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

impl Ord for Label {
    fn cmp(&self, other: &Self) -> Ordering {
        self.name().cmp(other.name())
    }
}

impl PartialOrd for Label {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Label {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Label {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Label, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Label::new(&name).map_err(serde::de::Error::custom)
    }
}

/// A label's colour, as a config names it; the view turns it into a terminal colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelColor {
    /// An index of the 256-colour palette.
    Indexed(u8),
    Rgb(u8, u8, u8),
}

/// 256-colour cube indices of the default label colours, by position in the set (PER,
/// LOC, ORG, TIME, QTY: red, green, blue, amber, purple; then teal, orange, pink, olive,
/// slate, brown, lilac; then round again). Each reads at 3:1 or better on both a white
/// and a black background (tested in the view).
pub const PALETTE: [u8; 12] = [160, 28, 27, 136, 127, 30, 166, 162, 64, 61, 94, 97];

/// Colour names a config may use, each a colour-cube index that keeps 3:1 contrast
/// against both white and black (so it reads on dark and light terminals alike).
pub const COLOR_NAMES: &[(&str, u8)] = &[
    ("red", 160),
    ("green", 28),
    ("dark-green", 29),
    ("blue", 27),
    ("amber", 136),
    ("yellow", 136),
    ("purple", 127),
    ("magenta", 163),
    ("teal", 30),
    ("cyan", 30),
    ("orange", 166),
    ("dark-orange", 130),
    ("pink", 162),
    ("olive", 64),
    ("slate", 61),
    ("brown", 94),
    ("lilac", 97),
    ("violet", 98),
];

impl LabelColor {
    /// A colour name of [`COLOR_NAMES`] or `#rrggbb`.
    pub fn parse(s: &str) -> Result<LabelColor, String> {
        if let Some(hex) = s.strip_prefix('#') {
            let ok = hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit());
            let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
            return if ok {
                Ok(LabelColor::Rgb(byte(0), byte(2), byte(4)))
            } else {
                Err(format!("colour {s:?} is not #rrggbb"))
            };
        }
        let name = s.trim().to_ascii_lowercase().replace('_', "-");
        COLOR_NAMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, i)| LabelColor::Indexed(i))
            .ok_or_else(|| {
                let names: Vec<&str> = COLOR_NAMES.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown colour {s:?} (names: {}; or #rrggbb)",
                    names.join(", ")
                )
            })
    }

    /// The sRGB value (palette indices outside the colour cube and grey ramp, which
    /// terminals define each their own way, as mid grey).
    pub fn rgb(self) -> [u8; 3] {
        const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
        match self {
            LabelColor::Rgb(r, g, b) => [r, g, b],
            LabelColor::Indexed(i @ 16..=231) => {
                let i = i - 16;
                [
                    LEVELS[(i / 36) as usize],
                    LEVELS[(i / 6 % 6) as usize],
                    LEVELS[(i % 6) as usize],
                ]
            }
            LabelColor::Indexed(i @ 232..=255) => [8 + 10 * (i - 232); 3],
            LabelColor::Indexed(_) => [128; 3],
        }
    }

    /// `#rrggbb`, as brat and Label Studio write colours.
    pub fn hex(self) -> String {
        let [r, g, b] = self.rgb();
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

/// One label of a set: its name, the key that applies it, its colour and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelDef {
    pub label: Label,
    /// `None`: no key of its own (reached through the label menu).
    pub key: Option<char>,
    /// `None`: the view's palette colour for its position.
    pub color: Option<LabelColor>,
    pub description: String,
}

/// The labels of a corpus, in order (the first nine have number keys by default).
#[derive(Debug, Clone, PartialEq)]
pub struct LabelSet {
    defs: Vec<LabelDef>,
    /// The built-in detector's labels renamed (`detector_labels`); `None`: dropped.
    detector: Vec<(Label, Option<Label>)>,
}

impl Default for LabelSet {
    /// design.md's five: PER, LOC, ORG, TIME, QTY on keys 1-5.
    fn default() -> Self {
        let meaning = [
            "person",
            "place",
            "organisation",
            "date / time",
            "number + unit",
        ];
        LabelSet {
            defs: Label::DEFAULTS
                .iter()
                .zip(meaning)
                .enumerate()
                .map(|(i, (&label, m))| LabelDef {
                    label,
                    key: char::from_digit(i as u32 + 1, 10),
                    color: None,
                    description: m.to_string(),
                })
                .collect(),
            detector: Vec::new(),
        }
    }
}

impl LabelSet {
    /// A set from definitions already checked (unique names and keys).
    pub fn new(defs: Vec<LabelDef>) -> LabelSet {
        LabelSet {
            defs,
            detector: Vec::new(),
        }
    }

    /// The set with the built-in detector's labels renamed or dropped (`None`) as
    /// `detector_labels` says; the detector's other labels stay as they are.
    pub fn with_detector_map(mut self, map: Vec<(Label, Option<Label>)>) -> LabelSet {
        self.detector = map;
        self
    }

    /// What a suggestion labelled `label` becomes in this set: renamed by the detector
    /// map, and `None` when the set does not define the result (a set without ORG gets
    /// no ORG suggestions). The one place every suggestion source goes through.
    pub fn suggested(&self, label: Label) -> Option<Label> {
        let mapped = match self.detector.iter().find(|(from, _)| *from == label) {
            Some((_, to)) => (*to)?,
            None => label,
        };
        self.contains(mapped).then_some(mapped)
    }

    /// The colour of the label at `i`: its own, else the palette's for its position,
    /// skipping colours another label has by the config or that went to an earlier
    /// label without one (two labels share a colour only once the palette runs out).
    pub fn color(&self, i: usize) -> LabelColor {
        let by_position = |j: usize| LabelColor::Indexed(PALETTE[j % PALETTE.len()]);
        let own = |j: usize| self.defs.get(j).and_then(|d| d.color);
        if let Some(c) = own(i) {
            return c;
        }
        let explicit: Vec<[u8; 3]> = self
            .defs
            .iter()
            .filter_map(|d| d.color)
            .map(|c| c.rgb())
            .collect();
        if explicit.is_empty() {
            return by_position(i);
        }
        let mut given: Vec<[u8; 3]> = Vec::new();
        let mut colour = by_position(i);
        for j in (0..=i).filter(|&j| own(j).is_none()) {
            colour = (0..PALETTE.len())
                .map(|k| by_position(j + k))
                .find(|c| !explicit.contains(&c.rgb()) && !given.contains(&c.rgb()))
                .unwrap_or(by_position(j));
            given.push(colour.rgb());
        }
        colour
    }

    pub fn defs(&self) -> &[LabelDef] {
        &self.defs
    }

    pub fn labels(&self) -> impl Iterator<Item = Label> + '_ {
        self.defs.iter().map(|d| d.label)
    }

    pub fn len(&self) -> usize {
        self.defs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }

    /// The label at `i` (0-based) in set order.
    pub fn get(&self, i: usize) -> Option<Label> {
        self.defs.get(i).map(|d| d.label)
    }

    /// Position of `label` in the set; `None` for a label the set does not define (an
    /// annotation file may still hold one: `check` reports it).
    pub fn index_of(&self, label: Label) -> Option<usize> {
        self.defs.iter().position(|d| d.label == label)
    }

    pub fn contains(&self, label: Label) -> bool {
        self.index_of(label).is_some()
    }

    pub fn def(&self, label: Label) -> Option<&LabelDef> {
        self.defs.iter().find(|d| d.label == label)
    }

    /// What the label means ("" when the set does not define it or says nothing).
    pub fn description(&self, label: Label) -> &str {
        self.def(label).map_or("", |d| d.description.as_str())
    }

    /// The label whose key is `key`.
    pub fn by_key(&self, key: char) -> Option<Label> {
        self.defs
            .iter()
            .find(|d| d.key == Some(key))
            .map(|d| d.label)
    }

    /// Label names in the set's order, then the names it does not define, alphabetically.
    pub fn order<'a>(&self, names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
        let mut v: Vec<&str> = names.collect();
        v.sort_by_key(|n| {
            let k = Label::new(n).ok().and_then(|l| self.index_of(l));
            (k.unwrap_or(usize::MAX), *n)
        });
        v.dedup();
        v
    }

    /// The label named `name` in this set, exactly or (for the default labels the set
    /// holds) by a common synonym such as PERSON or GPE.
    pub fn resolve(&self, name: &str) -> Option<Label> {
        if let Ok(l) = Label::new(name.trim()) {
            if self.contains(l) {
                return Some(l);
            }
        }
        Label::parse(name).filter(|&l| self.contains(l))
    }
}

/// Labels switched off in a view (the reader's `f` filter): not drawn, not walked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HiddenLabels(Vec<Label>);

impl HiddenLabels {
    pub fn contains(&self, label: Label) -> bool {
        self.0.contains(&label)
    }

    /// Hides `label`, or shows it again.
    pub fn toggle(&mut self, label: Label) {
        match self.0.iter().position(|&l| l == label) {
            Some(i) => {
                self.0.remove(i);
            }
            None => self.0.push(label),
        }
    }
}

/// A labelled span of an article: code-point offsets, `end` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub label: Label,
}

impl Span {
    pub fn new(start: usize, end: usize, label: Label) -> Span {
        Span { start, end, label }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_round_trip_through_json() {
        let d = Label::new("DISEASE").unwrap();
        assert_eq!(d.name(), "DISEASE");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"DISEASE\"");
        assert_eq!(serde_json::from_str::<Label>("\"DISEASE\"").unwrap(), d);
        assert_eq!(Label::new("PER").unwrap(), Label::PER);
        let long = "X".repeat(MAX_LABEL_LEN);
        assert_eq!(Label::new(&long).unwrap().name(), long);
        for bad in ["", "疾病", "A B", "a.b", &"X".repeat(MAX_LABEL_LEN + 1)] {
            assert!(Label::new(bad).is_err(), "{bad:?}");
        }
        let e = serde_json::from_str::<Label>("\"疾病\"").unwrap_err();
        assert!(e.to_string().contains("names are letters"), "{e}");
    }

    #[test]
    fn labels_order_by_name_and_the_set_keeps_its_own_order() {
        let mut v = Label::DEFAULTS.to_vec();
        v.sort();
        let names: Vec<&str> = v.iter().map(|l| l.name()).collect();
        assert_eq!(names, ["LOC", "ORG", "PER", "QTY", "TIME"]);
        let set = LabelSet::default();
        assert_eq!(set.labels().collect::<Vec<_>>(), Label::DEFAULTS);
        assert_eq!(set.by_key('3'), Some(Label::ORG));
        assert_eq!(set.index_of(Label::QTY), Some(4));
        assert_eq!(set.description(Label::LOC), "place");
        assert_eq!(
            set.order(["ZED", "QTY", "ABC", "PER", "QTY"].into_iter()),
            ["PER", "QTY", "ABC", "ZED"]
        );
    }

    #[test]
    fn resolve_takes_exact_names_and_synonyms_of_labels_in_the_set() {
        let disease = Label::new("DISEASE").unwrap();
        let set = LabelSet::new(vec![
            LabelDef {
                label: Label::PER,
                key: Some('1'),
                color: None,
                description: String::new(),
            },
            LabelDef {
                label: disease,
                key: None,
                color: None,
                description: String::new(),
            },
        ]);
        assert_eq!(set.resolve("DISEASE"), Some(disease));
        assert_eq!(set.resolve("person"), Some(Label::PER));
        assert_eq!(set.resolve("GPE"), None, "LOC is not in this set");
        assert_eq!(set.resolve("disease"), None, "names are exact");
    }

    #[test]
    fn colours_are_names_or_rgb() {
        assert_eq!(LabelColor::parse("magenta"), Ok(LabelColor::Indexed(163)));
        assert_eq!(LabelColor::parse("Dark_Green"), Ok(LabelColor::Indexed(29)));
        assert_eq!(
            LabelColor::parse("#0aFf10"),
            Ok(LabelColor::Rgb(10, 255, 16))
        );
        for bad in ["#12345", "#1234567", "#gggggg", "chartreuse", ""] {
            assert!(LabelColor::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(LabelColor::Indexed(163).hex(), "#d700af");
        assert_eq!(LabelColor::Indexed(244).hex(), "#808080");
        assert_eq!(LabelColor::Rgb(1, 2, 3).hex(), "#010203");
    }

    #[test]
    fn hidden_labels_toggle() {
        let mut h = HiddenLabels::default();
        h.toggle(Label::ORG);
        assert!(h.contains(Label::ORG) && !h.contains(Label::PER));
        h.toggle(Label::ORG);
        assert_eq!(h, HiddenLabels::default());
    }
}
