//! Entity labels: the default set of design.md (PER, LOC, ORG, TIME, QTY).

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Label {
    PER,
    LOC,
    ORG,
    TIME,
    QTY,
}

impl Label {
    pub const ALL: [Label; 5] = [Label::PER, Label::LOC, Label::ORG, Label::TIME, Label::QTY];

    pub fn name(self) -> &'static str {
        match self {
            Label::PER => "PER",
            Label::LOC => "LOC",
            Label::ORG => "ORG",
            Label::TIME => "TIME",
            Label::QTY => "QTY",
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Label::PER => "person",
            Label::LOC => "place",
            Label::ORG => "organisation",
            Label::TIME => "date / time",
            Label::QTY => "number + unit",
        }
    }

    /// Position in the label set (0-based); the number key is `index + 1`.
    pub fn index(self) -> usize {
        Label::ALL.iter().position(|&l| l == self).unwrap_or(0)
    }

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

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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
