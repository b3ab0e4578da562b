//! Layout rules, each with text from the seed articles, and property tests.

use super::breaking::{is_no_end, is_no_start};
use super::*;
use proptest::prelude::*;

const NARROW: WidthOptions = WidthOptions {
    ambiguous_wide: false,
    tab_width: 4,
};

fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_with(text, width, NARROW)
}

fn wrap_with(text: &str, width: usize, opts: WidthOptions) -> Vec<String> {
    layout(text, width, opts)
        .render_plain(text)
        .lines()
        .map(str::to_string)
        .collect()
}

fn seeds() -> Vec<String> {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds"));
    let out = crate::corpus::read_texts(dir).unwrap();
    assert_eq!(out.len(), 5);
    out
}

#[test]
fn wide_characters_fill_two_columns() {
    let lines = wrap("守住东大门打好阻击战", 8);
    assert_eq!(lines, ["守住东大", "门打好阻", "击战"]);
}

#[test]
fn odd_width_leaves_a_column_free_rather_than_splitting_a_wide_char() {
    let l = layout("守住东大门", 5, NARROW);
    assert_eq!(
        l.lines.iter().map(|l| l.width).collect::<Vec<_>>(),
        [4, 4, 2]
    );
}

#[test]
fn no_line_starts_with_closing_punctuation() {
    // Width 8 fits four ideographs; "，" would start the second line if it were not
    // carried there with the character before it.
    let lines = wrap("高新区做，实", 8);
    assert_eq!(lines, ["高新区", "做，实"]);
    let lines = wrap("说前两天有两个闯岗的人被拘留了。", 10);
    for l in &lines[1..] {
        assert!(!is_no_start(l.chars().next().unwrap()), "{lines:?}");
    }
}

#[test]
fn no_line_ends_with_an_opening_bracket_or_quote() {
    let lines = wrap("建立了《一办", 8);
    assert_eq!(lines, ["建立了", "《一办"]);
    let lines = wrap("群里说话“你们听", 8);
    assert_eq!(lines, ["群里说话", "“你们听"]);
}

#[test]
fn chinese_quotes_may_break_outside_but_not_inside() {
    // UAX #14 alone glues “ to the character before it; clreq allows the break.
    let lines = wrap("好好好“抓得好”好好好", 8);
    assert_eq!(lines, ["好好好", "“抓得好”", "好好好"]);
}

#[test]
fn dashes_and_ellipses_are_never_split() {
    let text = "高新区各级党组织——投身疫情防控阻击战……纪实——完";
    for w in 2..30 {
        let lines = wrap(text, w);
        for pair in lines.windows(2) {
            for mark in ['—', '…'] {
                assert!(
                    !(pair[0].ends_with(mark) && pair[1].starts_with(mark)),
                    "{w}: {lines:?}"
                );
            }
        }
        // Once a line can hold the pair and one character, it never starts a line either.
        if w >= 4 {
            for line in &lines {
                assert!(
                    !line.starts_with('—') && !line.starts_with('…'),
                    "{w}: {line}"
                );
            }
        }
    }
}

#[test]
fn latin_words_and_numbers_stay_whole() {
    let text = "新型冠状病毒COVID-19疫情期间共走访13216人，发放2020年物资";
    for w in 9..40 {
        let lines = wrap(text, w);
        let joined = lines.join("|");
        for word in ["COVID-19", "13216", "2020"] {
            assert!(
                lines.iter().any(|l| l.contains(word)),
                "{word} split at width {w}: {joined}"
            );
        }
    }
}

#[test]
fn words_longer_than_the_line_are_split() {
    let lines = wrap("Pneumonoultramicroscopic", 10);
    assert_eq!(lines, ["Pneumonoul", "tramicrosc", "opic"]);
}

#[test]
fn latin_text_breaks_at_spaces_and_drops_them() {
    let lines = wrap("the quick brown fox", 10);
    assert_eq!(lines, ["the quick", "brown fox"]);
}

#[test]
fn blank_lines_collapse_and_edges_are_dropped() {
    let text = "\n\n  \n第一段\n\n\n\n第二段\n第三段\n\n \n";
    assert_eq!(wrap(text, 20), ["第一段", "", "第二段", "第三段"]);
}

#[test]
fn crlf_and_lone_cr_end_lines() {
    assert_eq!(wrap("甲\r\n\r\n乙\r丙", 20), ["甲", "", "乙", "丙"]);
    let l = layout("甲\r\n乙", 20, NARROW);
    assert_eq!(l.lines[1].char_start, 3, "\\r\\n counts as two code points");
}

#[test]
fn controls_and_escapes_are_shown_as_placeholders() {
    let text = "红\u{1b}[31m色\u{1b}]52;c;aGk=\u{7}\u{9b}2J\u{202e}txt\0end";
    let out = layout(text, 80, NARROW).render_plain(text);
    assert_eq!(out, "红␛[31m色␛]52;c;aGk=␇<U+009B>2J<U+202E>txt␀end\n");
    assert!(!out.chars().any(|c| c != '\n' && c.is_control()));
}

#[test]
fn tabs_expand_to_tab_stops() {
    assert_eq!(wrap("a\tb\tc", 20), ["a   b   c"]);
    assert_eq!(wrap("中\t文", 20), ["中  文"]);
}

#[test]
fn ambiguous_width_setting_changes_the_wrap() {
    let text = "“你们听”“你们听”";
    let narrow = layout(text, 80, NARROW);
    let wide = layout(
        text,
        80,
        WidthOptions {
            ambiguous_wide: true,
            tab_width: 4,
        },
    );
    assert_eq!(narrow.lines[0].width, 16);
    assert_eq!(wide.lines[0].width, 20);
}

#[test]
fn offsets_are_code_points_even_after_astral_characters() {
    let text = "😀记者高轶鹏";
    let l = layout(text, 80, NARROW);
    // 😀 is one code point (two UTF-16 units, four bytes) and two columns.
    assert_eq!(l.offset_at(text, 0, 6), Some(3));
    assert_eq!(l.position_of(text, 3), (0, 6));
}

#[test]
fn seed_articles_follow_the_rules_at_every_width() {
    for text in seeds() {
        for width in [10, 17, 24, 40, 61, 80, 133] {
            let l = layout(&text, width, NARROW);
            for (i, line) in l.lines.iter().enumerate() {
                assert!(line.width <= width, "line {i} too wide at {width}");
                if line.is_blank() {
                    continue;
                }
                let s = &text[line.bytes()];
                let first = s.chars().next().unwrap();
                let last = s.chars().next_back().unwrap();
                let para_start = line.byte_start == 0
                    || matches!(text.as_bytes()[line.byte_start - 1], b'\n' | b'\r');
                assert!(
                    para_start || !is_no_start(first),
                    "line starts with {first} at {width}: {s}"
                );
                let para_end = line.byte_end == text.len()
                    || matches!(text.as_bytes()[line.byte_end], b'\n' | b'\r');
                assert!(
                    para_end || !is_no_end(last),
                    "line ends with {last} at {width}: {s}"
                );
            }
        }
    }
}

#[test]
fn seed_titles_render() {
    let text = &seeds()[0];
    let lines = wrap(text, 40);
    assert_eq!(lines[0], "守住东大门 打好阻击战");
    assert_eq!(lines[1], "");
    assert_eq!(lines[2], "——高新区各级党组织和广大党员干部投身疫情");
}

// --- properties -----------------------------------------------------------------------

fn mixed_text() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "疫",
        "情",
        "防",
        "控",
        "高",
        "新",
        "区",
        "，",
        "。",
        "、",
        "“",
        "”",
        "（",
        "）",
        "《",
        "》",
        "——",
        "……",
        "a",
        "b",
        "Z",
        "COVID-19",
        "2020",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "\n\n\n",
        "😀",
        "👩‍💻",
        "🇨🇳",
        "e\u{301}",
        "\u{301}",
        "\u{200b}",
        "\u{feff}",
        "\u{1b}[31m",
        "\u{1b}]0;x\u{7}",
        "\u{9b}",
        "\u{202e}",
        "\0",
        "\u{7f}",
        "·",
        "②",
        "ｱ",
        "\u{3000}",
        "\u{a0}",
        "\u{2028}",
    ]);
    prop::collection::vec(atoms, 0..60).prop_map(|v| v.concat())
}

fn is_break_space(c: char) -> bool {
    c.is_whitespace()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("INKMARK_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(512)
    ))]

    #[test]
    fn lines_fit_and_cover_the_text(text in mixed_text(), width in 1usize..200, wide in any::<bool>()) {
        let opts = WidthOptions { ambiguous_wide: wide, tab_width: 4 };
        let l = layout(&text, width, opts);
        let mut covered = 0;
        for (i, line) in l.lines.iter().enumerate() {
            // Width: never wider than the line, unless the line is one cluster.
            let pieces: Vec<_> = l.pieces(&text, i).collect();
            let drawn: usize = pieces.iter().map(|p| p.width).sum();
            prop_assert_eq!(drawn, line.width);
            let visible = pieces.iter().filter(|p| p.width > 0).count();
            prop_assert!(line.width <= width || visible == 1, "line {} width {} > {}", i, line.width, width);
            if line.is_blank() { continue; }
            // Order and coverage: what lies between lines is only break whitespace.
            prop_assert!(line.byte_start >= covered);
            prop_assert!(text[covered..line.byte_start].chars().all(is_break_space));
            prop_assert_eq!(line.char_start, text[..line.byte_start].chars().count());
            prop_assert_eq!(line.char_end, text[..line.byte_end].chars().count());
            covered = line.byte_end;
        }
        prop_assert!(text[covered..].chars().all(is_break_space));
    }

    #[test]
    fn offset_map_round_trips(text in mixed_text(), width in 1usize..200) {
        let l = layout(&text, width, NARROW);
        for i in 0..l.lines.len() {
            for p in l.pieces(&text, i) {
                for col in p.col..p.col + p.width {
                    prop_assert_eq!(l.offset_at(&text, i, col), Some(p.char_offset));
                }
                if p.width > 0 {
                    prop_assert_eq!(l.position_of(&text, p.char_offset), (i, p.col));
                }
            }
            prop_assert_eq!(l.offset_at(&text, i, l.lines[i].width), None);
        }
    }

    #[test]
    fn rendered_text_has_no_control_characters(text in mixed_text(), width in 1usize..200) {
        let out = layout(&text, width, NARROW).render_plain(&text);
        prop_assert!(!out.chars().any(|c| c != '\n' && (c.is_control() || glyph::is_bidi_control(c))));
    }
}
