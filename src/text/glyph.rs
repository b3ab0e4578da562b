//! How one grapheme cluster of article text appears on a terminal.
//!
//! Article text comes from files we did not write, so anything that a terminal would
//! interpret (C0/C1 controls, ESC, bidi overrides) is replaced by a visible placeholder
//! here, before it can reach a frame or stdout.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Display options shared by layout and rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WidthOptions {
    /// East Asian Ambiguous characters (“ ” … — · ②) take two columns instead of one.
    pub ambiguous_wide: bool,
    /// Tab stops every this many columns (at least 1).
    pub tab_width: u8,
}

impl Default for WidthOptions {
    fn default() -> Self {
        WidthOptions {
            ambiguous_wide: false,
            tab_width: 4,
        }
    }
}

/// The visible form of one grapheme cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Glyph {
    /// Printable text drawn as it is, `width` columns (1 or 2).
    Text { width: u8 },
    /// A C0 control or DEL, drawn as its Unicode control picture (␛, ␀, ␡).
    ControlPicture(char),
    /// A C1 control or a bidi control, drawn as `<U+XXXX>`.
    CodePoint(u32),
    /// A cluster that starts with a combining mark (nothing to combine with): drawn on ◌.
    Orphan,
    /// A tab: spaces up to the next tab stop.
    Tab,
    /// A zero-width format character (ZWSP, BOM, lone ZWJ, variation selector): no cell.
    Invisible,
}

/// Width in columns of a `<U+XXXX>` placeholder.
const CODE_POINT_WIDTH: usize = 8;

impl Glyph {
    /// Classifies a grapheme cluster (never a hard line break).
    pub fn of(cluster: &str, opts: WidthOptions) -> Glyph {
        let mut chars = cluster.chars();
        let Some(first) = chars.next() else {
            return Glyph::Invisible;
        };
        if first == '\t' {
            return Glyph::Tab;
        }
        let cp = first as u32;
        if cp < 0x20 {
            return Glyph::ControlPicture(char::from_u32(0x2400 + cp).unwrap_or('\u{FFFD}'));
        }
        if cp == 0x7F {
            return Glyph::ControlPicture('\u{2421}');
        }
        if (0x80..0xA0).contains(&cp) || is_bidi_control(first) {
            return Glyph::CodePoint(cp);
        }
        // ASCII printable: the hot path for Latin text.
        if cp < 0x7F && cluster.len() == 1 {
            return Glyph::Text { width: 1 };
        }
        // A lone CJK ideograph: wide in both modes (the hot path for Chinese text).
        if cluster.len() == 3 && (0x4E00..=0x9FFF).contains(&cp) {
            return Glyph::Text { width: 2 };
        }
        let width = if opts.ambiguous_wide {
            cluster.width_cjk()
        } else {
            cluster.width()
        };
        if width > 0 {
            return Glyph::Text {
                width: width.min(2) as u8,
            };
        }
        if is_invisible_format(first) {
            Glyph::Invisible
        } else {
            Glyph::Orphan
        }
    }

    /// Columns taken when the glyph starts at column `col` of a line.
    pub fn width_at(self, col: usize, opts: WidthOptions) -> usize {
        match self {
            Glyph::Text { width } => width as usize,
            Glyph::ControlPicture(_) | Glyph::Orphan => 1,
            Glyph::CodePoint(_) => CODE_POINT_WIDTH,
            Glyph::Tab => {
                let tab = opts.tab_width.max(1) as usize;
                tab - col % tab
            }
            Glyph::Invisible => 0,
        }
    }

    /// True for glyphs that stand for something the text did not show as itself.
    pub fn is_placeholder(self) -> bool {
        matches!(
            self,
            Glyph::ControlPicture(_) | Glyph::CodePoint(_) | Glyph::Orphan
        )
    }

    /// The string a terminal is sent for this glyph, given its cluster and width.
    /// Multi-cell placeholders are returned whole; callers split them per cell.
    pub fn symbol(self, cluster: &str, width: usize) -> String {
        match self {
            Glyph::Text { .. } => visible_cluster(cluster).into_owned(),
            Glyph::ControlPicture(c) => c.to_string(),
            Glyph::CodePoint(cp) => format!("<U+{cp:04X}>"),
            Glyph::Orphan => format!("\u{25CC}{}", visible_cluster(cluster)),
            Glyph::Tab => " ".repeat(width),
            Glyph::Invisible => String::new(),
        }
    }
}

/// What a terminal is sent for a printable cluster: the cluster without the zero-width
/// format characters that ride on it (ZWJ, ZWNJ, ZWSP, word joiner, BOM, soft hyphen).
/// Sent raw, a trailing ZWJ makes the terminal join the next cell into this one and
/// leaves stale characters on screen. A ZWJ inside an emoji sequence (👩‍💻) stays: it is
/// followed by the rest of its cluster.
pub fn visible_cluster(cluster: &str) -> std::borrow::Cow<'_, str> {
    let strip = |c: char| {
        is_invisible_format(c)
            && !matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0020}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
    };
    if cluster.is_ascii() || !cluster.chars().any(strip) {
        return std::borrow::Cow::Borrowed(cluster);
    }
    let chars: Vec<char> = cluster.chars().collect();
    let mut out = String::with_capacity(cluster.len());
    for (i, &c) in chars.iter().enumerate() {
        let joins = c == '\u{200D}' && chars.get(i + 1).is_some_and(|&n| !strip(n)) && i > 0;
        if !strip(c) || joins {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Bidi embedding, override, isolate and mark characters: a file could use them to make
/// text on screen read differently from the bytes ("Trojan Source").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{E0000}'..='\u{E007F}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// True for East Asian Wide and Fullwidth characters (CJK ideographs, kana, fullwidth punctuation).
pub fn is_wide(c: char) -> bool {
    c.width() == Some(2)
}

/// Replaces every control and bidi character of a one-line string (a title, a file name, an
/// error message) with its visible placeholder, so it can be drawn safely.
pub fn sanitize_line(s: &str) -> String {
    use unicode_segmentation::UnicodeSegmentation;
    let opts = WidthOptions::default();
    let mut out = String::with_capacity(s.len());
    for g in s.graphemes(true) {
        match Glyph::of(g, opts) {
            Glyph::Text { .. } => out.push_str(&visible_cluster(g)),
            Glyph::Invisible => {}
            Glyph::Tab => out.push(' '),
            glyph => {
                let w = glyph.width_at(0, opts);
                out.push_str(&glyph.symbol(g, w));
            }
        }
    }
    out
}

/// [`sanitize_line`] for text of several lines: each line made safe, line breaks kept.
pub fn sanitize_text(s: &str) -> String {
    s.split('\n')
        .map(|l| sanitize_line(l.strip_suffix('\r').unwrap_or(l)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// JSON made safe for a terminal without changing what it says: the characters JSON
/// allows raw but a terminal may act on (DEL, C1 controls such as U+009B CSI, bidi and
/// zero-width format characters) become `\uXXXX` escapes. They can only occur inside
/// strings, so the result parses to the same value.
pub fn json_for_terminal(json: &str) -> String {
    let risky = |c: char| {
        let cp = c as u32;
        cp == 0x7F || (0x80..0xA0).contains(&cp) || is_bidi_control(c) || is_invisible_format(c)
    };
    if !json.chars().any(risky) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if risky(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NARROW: WidthOptions = WidthOptions {
        ambiguous_wide: false,
        tab_width: 4,
    };
    const WIDE: WidthOptions = WidthOptions {
        ambiguous_wide: true,
        tab_width: 4,
    };

    #[test]
    fn cjk_is_two_columns_ascii_one() {
        assert_eq!(Glyph::of("疫", NARROW), Glyph::Text { width: 2 });
        assert_eq!(Glyph::of("a", NARROW), Glyph::Text { width: 1 });
        assert_eq!(Glyph::of("，", NARROW), Glyph::Text { width: 2 });
    }

    #[test]
    fn ambiguous_punctuation_follows_the_setting() {
        for s in ["“", "”", "‘", "’", "…", "—", "·", "②"] {
            assert_eq!(Glyph::of(s, NARROW), Glyph::Text { width: 1 }, "{s}");
            assert_eq!(Glyph::of(s, WIDE), Glyph::Text { width: 2 }, "{s}");
        }
    }

    #[test]
    fn controls_become_visible_placeholders() {
        assert_eq!(Glyph::of("\u{1b}", NARROW), Glyph::ControlPicture('␛'));
        assert_eq!(Glyph::of("\0", NARROW), Glyph::ControlPicture('␀'));
        assert_eq!(Glyph::of("\u{7f}", NARROW), Glyph::ControlPicture('␡'));
        assert_eq!(Glyph::of("\u{9b}", NARROW), Glyph::CodePoint(0x9b));
        assert_eq!(Glyph::of("\u{202e}", NARROW), Glyph::CodePoint(0x202e));
        assert_eq!(Glyph::CodePoint(0x202e).symbol("\u{202e}", 8), "<U+202E>");
    }

    #[test]
    fn emoji_sequences_are_one_wide_cluster() {
        assert_eq!(Glyph::of("👩‍💻", NARROW), Glyph::Text { width: 2 });
        assert_eq!(Glyph::of("🇨🇳", NARROW), Glyph::Text { width: 2 });
        assert_eq!(Glyph::of("é", NARROW), Glyph::Text { width: 1 });
    }

    #[test]
    fn zero_width_clusters() {
        assert_eq!(Glyph::of("\u{200b}", NARROW), Glyph::Invisible);
        assert_eq!(Glyph::of("\u{feff}", NARROW), Glyph::Invisible);
        assert_eq!(Glyph::of("\u{301}", NARROW), Glyph::Orphan);
    }

    #[test]
    fn zero_width_joiners_never_reach_the_terminal_on_their_own() {
        // Grapheme rules attach ZWJ / ZWNJ to the character before them.
        for cluster in ["甲\u{200d}", "甲\u{200c}", "宽\u{200b}", "a\u{2060}"] {
            assert!(matches!(Glyph::of(cluster, NARROW), Glyph::Text { .. }));
            let shown = Glyph::of(cluster, NARROW).symbol(cluster, 2);
            assert_eq!(shown.chars().count(), 1, "{cluster:?} -> {shown:?}");
        }
        assert_eq!(visible_cluster("👩\u{200d}💻"), "👩\u{200d}💻");
        assert_eq!(visible_cluster("❤\u{fe0f}"), "❤\u{fe0f}");
        assert_eq!(sanitize_line("零宽\u{200d}连wj\u{2060}接"), "零宽连wj接");
        // A combining mark with nothing to combine with, then a ZWJ: drawn on ◌, no ZWJ.
        assert_eq!(sanitize_line("\u{301}\u{200d}"), "\u{25cc}\u{301}");
    }

    #[test]
    fn tabs_expand_to_the_next_stop() {
        assert_eq!(Glyph::Tab.width_at(0, NARROW), 4);
        assert_eq!(Glyph::Tab.width_at(5, NARROW), 3);
    }

    #[test]
    fn json_keeps_its_value_and_loses_its_controls() {
        let value = "a\u{9b}2J\u{7f}\u{202e}b\u{200d}c\u{e0041}";
        let json = serde_json::to_string(&value).unwrap();
        let safe = json_for_terminal(&json);
        assert!(!safe
            .chars()
            .any(|c| c.is_control() || is_bidi_control(c) || is_invisible_format(c)));
        assert_eq!(serde_json::from_str::<String>(&safe).unwrap(), value);
        assert_eq!(sanitize_text("a\u{1b}[2J\nb\r\n"), "a␛[2J\nb\n");
    }

    #[test]
    fn sanitize_line_removes_escape_sequences() {
        let s = sanitize_line("a\u{1b}]0;title\u{7}b\u{202e}c");
        assert!(!s.chars().any(|c| c.is_control() || is_bidi_control(c)));
        assert_eq!(s, "a␛]0;title␇b<U+202E>c");
    }
}
