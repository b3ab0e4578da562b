//! The stats view's drawing: one pure function from the dashboard's numbers to widgets on
//! a rectangle, shared by the library's stats overlay and `inkmark stats` on a terminal.
//! Each section is a chart when it fits and one line of text when it does not; a section
//! without data says so in one line.

use crate::label::LabelSet;
use crate::stats::{Agreement, Dashboard};
use crate::text::sanitize_line;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols;
use ratatui::widgets::{Sparkline, Widget};

/// How to draw: colours or not, and whether block characters can be trusted to be one
/// column wide (not with `--ambiguous-wide`, where they are East Asian Ambiguous).
#[derive(Debug, Clone, Default)]
pub struct Look {
    pub no_color: bool,
    pub ascii: bool,
    /// Where the labels' colours come from.
    pub labels: LabelSet,
}

/// Terminals at least this wide show the sections in two columns.
pub const TWO_COLUMNS: u16 = 100;
/// Narrower areas get text instead of bars.
const MIN_CHART_WIDTH: u16 = 16;

const GREY: u8 = 244;
const GREEN: u8 = 28;
const AMBER: u8 = 136;
const RED: u8 = 160;
const WHITE: u8 = 255;

/// Bars drawn with ASCII, for terminals that draw block elements two columns wide.
const ASCII_BARS: symbols::bar::Set = symbols::bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "=",
    five_eighths: "=",
    half: "-",
    three_eighths: "-",
    one_quarter: "_",
    one_eighth: "_",
    empty: " ",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Status,
    Labels,
    Team,
    Agreement,
    Training,
}

const LEFT: &[Kind] = &[Kind::Status, Kind::Labels];
const RIGHT: &[Kind] = &[Kind::Team, Kind::Agreement, Kind::Training];

/// Draws the dashboard (or `computing…` while there is none) into `area`.
pub fn render(d: Option<&Dashboard>, area: Rect, buf: &mut Buffer, look: &Look) {
    let area = area.intersection(buf.area);
    if area.is_empty() {
        return;
    }
    let Some(d) = d else {
        put(buf, area.x, area.y, "computing…", area.width, Style::new());
        return;
    };
    if area.width >= TWO_COLUMNS {
        let left_w = (area.width - 2) / 2;
        let left = Rect {
            width: left_w,
            ..area
        };
        let right = Rect {
            x: area.x + left_w + 2,
            width: area.width - left_w - 2,
            ..area
        };
        column(d, LEFT, left, buf, look);
        column(d, RIGHT, right, buf, look);
    } else {
        let all: Vec<Kind> = LEFT.iter().chain(RIGHT).copied().collect();
        column(d, &all, area, buf, look);
    }
}

/// Rows the dashboard takes at `width` with every chart drawn: the height of a one-off
/// frame (`inkmark stats` on a terminal).
pub fn natural_height(d: &Dashboard, width: u16) -> u16 {
    let col = |kinds: &[Kind], w: u16| -> u16 {
        let rows: u16 = kinds
            .iter()
            .map(|&k| full_height(d, k, w).unwrap_or(1))
            .sum();
        rows + kinds.len() as u16 - 1
    };
    if width >= TWO_COLUMNS {
        let left_w = (width - 2) / 2;
        col(LEFT, left_w).max(col(RIGHT, width - left_w - 2))
    } else {
        let all: Vec<Kind> = LEFT.iter().chain(RIGHT).copied().collect();
        col(&all, width)
    }
}

/// The sections of one column: each starts as one line; charts replace lines, in order,
/// while they fit; rows left over separate the sections.
fn column(d: &Dashboard, kinds: &[Kind], area: Rect, buf: &mut Buffer, look: &Look) {
    let h = area.height as usize;
    let mut heights: Vec<usize> = vec![1; kinds.len()];
    let mut used = kinds.len();
    for (i, &k) in kinds.iter().enumerate() {
        if let Some(full) = full_height(d, k, area.width) {
            if used - 1 + full as usize <= h {
                used += full as usize - 1;
                heights[i] = full as usize;
            }
        }
    }
    // A blank row between sections when they fit; rows to spare after that make the
    // sparkline taller (up to three rows).
    let gaps = kinds.len().saturating_sub(1);
    let gap = usize::from(used + gaps <= h);
    if let Some(i) = kinds.iter().position(|&k| k == Kind::Training) {
        if heights[i] > 1 {
            heights[i] += h.saturating_sub(used + gap * gaps).min(2);
        }
    }
    let mut y = area.y as usize;
    for (i, &k) in kinds.iter().enumerate() {
        if y >= area.bottom() as usize {
            break;
        }
        let rows = heights[i].min(area.bottom() as usize - y);
        let rect = Rect {
            y: y as u16,
            height: rows as u16,
            ..area
        };
        if heights[i] > 1 && rows == heights[i] {
            draw_full(d, k, rect, buf, look);
        } else {
            put(
                buf,
                rect.x,
                rect.y,
                &compact(d, k),
                rect.width,
                Style::new(),
            );
        }
        y += rows + gap;
    }
}

/// Rows of a section drawn as a chart (title included); `None` when it has no chart
/// (no data) or the chart does not fit `width`.
fn full_height(d: &Dashboard, k: Kind, width: u16) -> Option<u16> {
    if width < MIN_CHART_WIDTH {
        return None;
    }
    let rows = match k {
        Kind::Status if d.articles > 0 => 3,
        Kind::Labels if d.labels.iter().any(|(_, n)| *n > 0) => d.labels.len(),
        Kind::Team if !d.annotators.is_empty() => d.annotators.len(),
        Kind::Agreement => match &d.agreement {
            Agreement::Pairs(p) if p.iter().any(|p| p.articles > 0) => {
                let name_w = pair_name_width(p, width);
                // The names and at least the "all" column.
                if name_w + 1 + CELL > width as usize {
                    return None;
                }
                p.len() + 1
            }
            _ => return None,
        },
        Kind::Training if !d.history.runs.is_empty() => 1,
        _ => return None,
    };
    Some(rows as u16 + 1)
}

/// One line for a section: its numbers as text, or what is missing.
fn compact(d: &Dashboard, k: Kind) -> String {
    match k {
        Kind::Status if d.articles == 0 => "articles: none in this folder".to_string(),
        Kind::Status => format!(
            "articles: todo {} · in progress {} · done {}{}",
            d.status.todo,
            d.status.in_progress,
            d.status.done,
            unreadable(d)
        ),
        Kind::Labels if d.labels.iter().all(|(_, n)| *n == 0) => {
            "entities: none confirmed yet".to_string()
        }
        Kind::Labels => {
            let parts: Vec<String> = d
                .labels
                .iter()
                .enumerate()
                .map(|(i, (l, n))| format!("{l} {n}{}", outside_mark(d, i)))
                .collect();
            format!("entities: {}", parts.join(" · "))
        }
        Kind::Team if d.annotators.is_empty() => {
            "annotators: one (no team folders beside this one)".to_string()
        }
        Kind::Team => {
            let parts: Vec<String> = d
                .annotators
                .iter()
                .map(|a| format!("{} {}/{}", a.name, a.done_of_share(), denominator(d, a)))
                .collect();
            format!("done: {}", parts.join(" · "))
        }
        Kind::Agreement => match &d.agreement {
            Agreement::NotATeam => "agreement: needs two annotators' folders".to_string(),
            Agreement::Failed(why) => format!("agreement: {why}"),
            Agreement::Pairs(p) if p.iter().all(|p| p.articles == 0) => {
                "agreement: no article done by two annotators yet".to_string()
            }
            Agreement::Pairs(p) => {
                let parts: Vec<String> = p
                    .iter()
                    .map(|p| format!("{}/{} {}", p.a, p.b, f1_text(p.overall)))
                    .collect();
                format!("span F1: {}", parts.join(" · "))
            }
        },
        Kind::Training => match (&d.history.error, d.history.runs.last()) {
            (Some(e), _) => format!("training history: {e}"),
            (None, None) => "model: no train runs yet (inkmark train)".to_string(),
            (None, Some(last)) => format!(
                "model: held-out F1 {:.2} after {} train runs",
                last.in_use(),
                d.history.runs.len()
            ),
        },
    }
}

/// After the count of the `i`th label: said when it is not in the label set, as the
/// piped `inkmark stats` says it.
fn outside_mark(d: &Dashboard, i: usize) -> &'static str {
    if i >= d.in_set {
        " (not in the label set)"
    } else {
        ""
    }
}

fn unreadable(d: &Dashboard) -> String {
    if d.unreadable == 0 {
        String::new()
    } else {
        format!(" · {} unreadable (inkmark check)", d.unreadable)
    }
}

/// What an annotator's progress is out of: their assigned articles, else the corpus.
fn denominator(d: &Dashboard, a: &crate::stats::AnnotatorProgress) -> usize {
    a.assigned.unwrap_or(d.articles)
}

fn f1_text(f: Option<f64>) -> String {
    f.map_or_else(|| "-".to_string(), |f| format!("{f:.2}"))
}

/// Width of a one-line string as the view measures it.
fn width_of(s: &str) -> usize {
    super::view::str_width(s)
}

/// Writes one line, sanitized and cut with "…" to `max` columns.
fn put(buf: &mut Buffer, x: u16, y: u16, s: &str, max: u16, style: Style) {
    let s = sanitize_line(s);
    let max = max as usize;
    let fitted = if width_of(&s) <= max {
        s
    } else {
        let mut out = String::new();
        let mut w = 0;
        for c in s.chars() {
            let cw = width_of(c.encode_utf8(&mut [0; 4]));
            if w + cw + 1 > max {
                break;
            }
            out.push(c);
            w += cw;
        }
        if max > 0 {
            out.push('…');
        }
        out
    };
    buf.set_stringn(x, y, fitted, max, style);
}

fn title(buf: &mut Buffer, area: Rect, text: &str) {
    put(
        buf,
        area.x,
        area.y,
        text,
        area.width,
        Style::new().add_modifier(Modifier::BOLD),
    );
}

/// The part of a section under its title.
fn body(area: Rect) -> Rect {
    Rect {
        y: area.y + 1,
        height: area.height.saturating_sub(1),
        ..area
    }
}

fn colour(look: &Look, c: u8) -> Style {
    if look.no_color {
        Style::new()
    } else {
        Style::new().fg(Color::Indexed(c))
    }
}

/// Horizontal bars, one row each: (label, value, text, style); `max` is the full length.
/// Each row is `label text bar` in three columns, so a number never runs into its bar
/// (`todo  2 ███`) and a long text (`1/4, 1 in progress`) never covers one.
fn bars(
    rows: &[(String, u64, String, Style)],
    max: u64,
    area: Rect,
    buf: &mut Buffer,
    look: &Look,
) {
    let third = area.width as usize / 3;
    let label_w = rows
        .iter()
        .map(|r| width_of(&sanitize_line(&r.0)))
        .max()
        .unwrap_or(0)
        .min(third);
    let text_w = rows
        .iter()
        .map(|r| width_of(&sanitize_line(&r.2)))
        .max()
        .unwrap_or(0)
        .min(third);
    // Counts line up on their last digit; other texts start together.
    let numbers = rows
        .iter()
        .all(|r| !r.2.is_empty() && r.2.chars().all(|c| c.is_ascii_digit()));
    let bar_x = label_w + 1 + text_w + 1;
    let bar_w = (area.width as usize).saturating_sub(bar_x);
    let set = if look.ascii {
        ASCII_BARS
    } else {
        symbols::bar::NINE_LEVELS
    };
    let eighths = [
        set.one_eighth,
        set.one_quarter,
        set.three_eighths,
        set.half,
        set.five_eighths,
        set.three_quarters,
        set.seven_eighths,
    ];
    for (i, (label, value, text, style)) in rows.iter().enumerate().take(area.height as usize) {
        let y = area.y + i as u16;
        put(buf, area.x, y, label, label_w as u16, *style);
        let pad = if numbers {
            text_w.saturating_sub(width_of(text))
        } else {
            0
        };
        let tx = area.x + (label_w + 1 + pad) as u16;
        put(buf, tx, y, text, (text_w - pad) as u16, Style::new());
        if bar_w == 0 {
            continue;
        }
        let len = (*value).min(max.max(1)) * bar_w as u64 * 8 / max.max(1);
        let mut bar = set.full.repeat((len / 8) as usize);
        if !len.is_multiple_of(8) {
            bar.push_str(eighths[(len % 8) as usize - 1]);
        }
        buf.set_stringn(area.x + bar_x as u16, y, bar, bar_w, *style);
    }
}

fn draw_full(d: &Dashboard, k: Kind, area: Rect, buf: &mut Buffer, look: &Look) {
    match k {
        Kind::Status => {
            title(
                buf,
                area,
                &format!("Articles by status · {}{}", d.articles, unreadable(d)),
            );
            let s = d.status;
            let rows = [
                ("todo", s.todo, GREY),
                ("in progress", s.in_progress, AMBER),
                ("done", s.done, GREEN),
            ]
            .map(|(l, n, c)| (l.to_string(), n as u64, n.to_string(), colour(look, c)));
            bars(&rows, d.articles as u64, body(area), buf, look);
        }
        Kind::Labels => {
            let total: usize = d.labels.iter().map(|(_, n)| n).sum();
            title(
                buf,
                area,
                &format!("Confirmed entities per label · {total}"),
            );
            let rows: Vec<(String, u64, String, Style)> = d
                .labels
                .iter()
                .enumerate()
                .map(|(i, (l, n))| {
                    let style = label_style(l, look);
                    let text = format!("{n}{}", outside_mark(d, i));
                    (l.clone(), *n as u64, text, style)
                })
                .collect();
            let max = d.labels.iter().map(|(_, n)| *n as u64).max().unwrap_or(1);
            bars(&rows, max, body(area), buf, look);
        }
        Kind::Team => {
            title(buf, area, "Done per annotator");
            let rows: Vec<(String, u64, String, Style)> = d
                .annotators
                .iter()
                .map(|a| {
                    let of = denominator(d, a);
                    // Per mille of their own share, so a plan's shares compare.
                    let value = (a.done_of_share() as u64 * 1000)
                        .checked_div(of as u64)
                        .unwrap_or(0);
                    let mut text = format!("{}/{}", a.done_of_share(), of);
                    if a.status.in_progress > 0 {
                        text.push_str(&format!(", {} in progress", a.status.in_progress));
                    }
                    if a.broken > 0 {
                        text.push_str(&format!(", {} unreadable", a.broken));
                    }
                    let style = if a.own {
                        colour(look, GREEN).add_modifier(Modifier::BOLD)
                    } else {
                        colour(look, GREEN)
                    };
                    (a.name.clone(), value, text, style)
                })
                .collect();
            bars(&rows, 1000, body(area), buf, look);
        }
        Kind::Agreement => {
            if let Agreement::Pairs(p) = &d.agreement {
                title(buf, area, "Agreement: exact-span F1, articles done by both");
                heat_grid(p, body(area), buf, look);
            }
        }
        Kind::Training => {
            let runs = &d.history.runs;
            let last = runs.last().map_or(0.0, |r| r.in_use());
            title(
                buf,
                area,
                &format!(
                    "Corpus model held-out F1 · latest {last:.2} · {} runs",
                    runs.len()
                ),
            );
            sparkline(d, body(area), buf, look);
        }
    }
}

/// A label's colour in the reader, by name (labels outside the set: grey, as there).
fn label_style(name: &str, look: &Look) -> Style {
    if look.no_color {
        return Style::new();
    }
    let fg = super::view::label_colour_of(&look.labels, name);
    Style::new().fg(fg.unwrap_or(Color::Indexed(GREY)))
}

/// Columns of one cell of the grid: "0.40" and a space.
const CELL: usize = 5;

fn pair_name(p: &crate::stats::PairAgreement) -> String {
    sanitize_line(&format!("{}/{}", p.a, p.b))
}

/// The pair column: the longest name, at most half the width.
fn pair_name_width(pairs: &[crate::stats::PairAgreement], width: u16) -> usize {
    pairs
        .iter()
        .map(|p| width_of(&pair_name(p)))
        .max()
        .unwrap_or(0)
        .clamp(3, (width as usize / 2).max(3))
}

/// Rows: pairs; columns: all labels, then each label; cells coloured from red (low) to
/// green (high). Columns that do not fit are left out, from the right.
fn heat_grid(pairs: &[crate::stats::PairAgreement], area: Rect, buf: &mut Buffer, look: &Look) {
    let name_w = pair_name_width(pairs, area.width);
    let x0 = area.x as usize + name_w + 1;
    let fits = (area.right() as usize).saturating_sub(x0) / CELL;
    let labels: Vec<&str> = pairs
        .first()
        .map(|p| p.labels.iter().map(|(l, _)| l.as_str()).collect())
        .unwrap_or_default();
    let mut columns: Vec<(&str, Style)> = vec![("all", Style::new())];
    columns.extend(labels.iter().map(|l| (*l, label_style(l, look))));
    columns.truncate(fits);
    for (c, (name, style)) in columns.iter().enumerate() {
        let cut: String = name.chars().take(CELL - 1).collect();
        put(
            buf,
            (x0 + c * CELL) as u16,
            area.y,
            &cut,
            (CELL - 1) as u16,
            *style,
        );
    }
    for (r, p) in pairs.iter().enumerate() {
        let y = area.y + 1 + r as u16;
        if y >= area.bottom() {
            break;
        }
        put(buf, area.x, y, &pair_name(p), name_w as u16, Style::new());
        let values = std::iter::once(p.overall).chain(p.labels.iter().map(|(_, f)| *f));
        for (c, f) in values.take(columns.len()).enumerate() {
            let text = match f {
                Some(f) if p.articles > 0 => format!("{f:.2}"),
                _ => "  - ".to_string(),
            };
            let style = match f.filter(|_| p.articles > 0) {
                None => colour(look, GREY),
                Some(_) if look.no_color => Style::new(),
                Some(f) => {
                    let bg = if f >= 0.8 {
                        GREEN
                    } else if f >= 0.6 {
                        AMBER
                    } else {
                        RED
                    };
                    Style::new()
                        .fg(Color::Indexed(WHITE))
                        .bg(Color::Indexed(bg))
                }
            };
            put(
                buf,
                (x0 + c * CELL) as u16,
                y,
                &text,
                (CELL - 1) as u16,
                style,
            );
        }
        // How many articles the row stands on, when there is room.
        let after = x0 + columns.len() * CELL;
        let n = format!("n={}", p.articles);
        if after + width_of(&n) <= area.right() as usize {
            put(
                buf,
                after as u16,
                y,
                &n,
                width_of(&n) as u16,
                colour(look, GREY),
            );
        }
    }
}

/// The held-out F1 of the model in use after each run, the last runs that fit; scaled
/// between tenths around the values so that a change of a few points shows.
fn sparkline(d: &Dashboard, area: Rect, buf: &mut Buffer, look: &Look) {
    let scores: Vec<f64> = d.history.runs.iter().map(|r| r.in_use()).collect();
    let lo = scores.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // One tenth below the lowest, so that the lowest run still has a bar.
    let floor = ((lo * 10.0).floor() / 10.0 - 0.1).max(0.0);
    let ceil = ((hi * 10.0).ceil() / 10.0).max(floor + 0.1).min(1.0);
    let scale = format!(" {floor:.1}-{ceil:.1}");
    let room = area.width as usize;
    let spark_w = room.saturating_sub(scale.len()).max(1);
    let skip = scores.len().saturating_sub(spark_w);
    // A few runs get up to three columns each, so that they are seen.
    let each = (spark_w / (scores.len() - skip).max(1)).clamp(1, 3);
    let data: Vec<u64> = scores[skip..]
        .iter()
        .flat_map(|s| std::iter::repeat_n(((s - floor) * 1000.0).round().max(0.0) as u64, each))
        .collect();
    let rect = Rect {
        width: spark_w.min(data.len()) as u16,
        ..area
    };
    Sparkline::default()
        .data(&data)
        .max(((ceil - floor) * 1000.0).round() as u64)
        .style(colour(look, GREEN))
        .bar_set(if look.ascii {
            ASCII_BARS
        } else {
            symbols::bar::NINE_LEVELS
        })
        .render(rect, buf);
    let x = rect.right();
    if (x as usize) + scale.len() <= area.right() as usize {
        put(
            buf,
            x,
            area.y,
            &scale,
            scale.len() as u16,
            colour(look, GREY),
        );
    }
}

/// The dashboard drawn once, `width` columns wide and as tall as it needs, as lines of
/// text with ANSI colours (`inkmark stats` on a terminal).
pub fn to_ansi(d: &Dashboard, width: u16, look: &Look, opts: crate::text::WidthOptions) -> String {
    let area = Rect::new(0, 0, width.max(1), natural_height(d, width.max(1)));
    let mut buf = Buffer::empty(area);
    render(Some(d), area, &mut buf, look);
    super::view::settle(&mut buf, opts);
    buffer_to_ansi(&buf)
}

/// SGR parameters of a style (256-colour palette indices and attributes).
fn sgr(style: Style) -> String {
    let mut codes: Vec<String> = Vec::new();
    let m = style.add_modifier;
    for (flag, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::REVERSED, "7"),
    ] {
        if m.contains(flag) {
            codes.push(code.to_string());
        }
    }
    for (colour, base) in [(style.fg, 38), (style.bg, 48)] {
        match colour {
            Some(Color::Indexed(i)) => codes.push(format!("{base};5;{i}")),
            Some(Color::Rgb(r, g, b)) => codes.push(format!("{base};2;{r};{g};{b}")),
            _ => {}
        }
    }
    codes.join(";")
}

/// A buffer as text: one line per row, wide characters once, colours as SGR sequences,
/// trailing blanks dropped.
fn buffer_to_ansi(buf: &Buffer) -> String {
    use ratatui::buffer::CellWidth;
    let mut out = String::new();
    for y in buf.area.top()..buf.area.bottom() {
        let mut line = String::new();
        // Length of `line` up to its last non-blank cell.
        let mut keep = 0;
        let mut current = String::new();
        let mut x = buf.area.left();
        while x < buf.area.right() {
            let cell = &buf[(x, y)];
            let codes = sgr(cell.style());
            if codes != current {
                line.push_str("\x1b[0m");
                if !codes.is_empty() {
                    line.push_str(&format!("\x1b[{codes}m"));
                }
                current = codes;
            }
            line.push_str(cell.symbol());
            let shows = cell.bg != Color::Reset
                || cell
                    .modifier
                    .intersects(Modifier::REVERSED | Modifier::UNDERLINED);
            if cell.symbol() != " " || shows {
                keep = line.len();
            }
            x += cell.cell_width().max(1);
        }
        line.truncate(keep);
        // Every line ends with its colours reset.
        if line.contains('\x1b') {
            line.push_str("\x1b[0m");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}
