//! State to frame. Article text is drawn cell by cell from the layout engine's pieces,
//! never through a wrapping widget, so every cell maps back to a code-point offset.

use super::annotate::SaveState;
use super::app::{
    body_height, list_height, panel_width, reader_area_width, App, DetectorState, Pending,
    Progress, Reader, Screen, MIN_HEIGHT, MIN_WIDTH, PANEL_SIDE_BY_SIDE,
};
use super::entities::{Mark, MarkKind, Panel, PanelRow};
use super::keys::{LIBRARY_KEYS, PANEL_KEYS};
use crate::corpus::Problem;
use crate::label::{Label, LabelColor, LabelSet};
use crate::text::{sanitize_line, Glyph, WidthOptions};
use ratatui::buffer::{Buffer, CellDiffOption};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Clear, Widget};
use ratatui::Frame;
use std::num::NonZeroU16;
use unicode_segmentation::UnicodeSegmentation;

/// 256-colour cube indices of the label colours, by position in the label set (the
/// defaults PER, LOC, ORG, TIME, QTY: red #d70000, green #008700, blue #005fff, amber
/// #af8700, purple #af00af), then teal #008787, orange #d75f00, pink #d70087, olive
/// #5f8700, slate #5f5faf, brown #875f00, lilac #875faf; then round again.
const LABEL_COLOURS: [u8; 12] = crate::label::PALETTE;
/// Teal #0087af (help keys, the selected row), grey #808080.
const TEAL: u8 = 31;
/// A selection: black on light yellow #ffff87, a highlighter. Every label colour is dark
/// enough for 3:1 against white, so none looks like it (blue #005faf did look like ORG).
const HIGHLIGHT: u8 = 228;
const GREY: u8 = 244;
/// Background of open disagreements in review (light grey: no label is grey).
const DISAGREE_BG: u8 = 250;
/// Near-white #eeeeee and black #000000 for text on coloured backgrounds.
const WHITE: u8 = 255;
const BLACK: u8 = 16;

/// The sRGB value of a 256-colour palette index from the colour cube or the grey ramp
/// (both fixed by xterm's definition, which urxvt, VS Code and GNOME Terminal share);
/// `None` for the 16 colours each terminal defines its own way.
fn rgb(index: u8) -> Option<[u8; 3]> {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    match index {
        16..=231 => {
            let i = index - 16;
            Some([
                LEVELS[(i / 36) as usize],
                LEVELS[(i / 6 % 6) as usize],
                LEVELS[(i % 6) as usize],
            ])
        }
        232..=255 => Some([8 + 10 * (index - 232); 3]),
        _ => None,
    }
}

/// WCAG relative luminance.
fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Text on a confirmed entity's background: near-white or black, whichever reads better.
fn text_on(background: [u8; 3]) -> u8 {
    if contrast(background, [255; 3]) >= contrast(background, [0; 3]) {
        WHITE
    } else {
        BLACK
    }
}

/// A label's colour (the set's, else the palette's for its position) and the text
/// colour on it.
fn label_colour(set: &LabelSet, i: usize) -> (Color, u8) {
    // The set's rule, as the exports use: a palette colour taken by another label is
    // skipped.
    match set.color(i) {
        LabelColor::Rgb(r, g, b) => (Color::Rgb(r, g, b), text_on([r, g, b])),
        LabelColor::Indexed(c) => (Color::Indexed(c), rgb(c).map_or(WHITE, text_on)),
    }
}

/// Monochrome attributes that tell labels apart under NO_COLOR, by position.
const MONO: [Modifier; 5] = [
    Modifier::BOLD,
    Modifier::empty(),
    Modifier::ITALIC,
    Modifier::DIM,
    Modifier::ITALIC.union(Modifier::DIM),
];

/// Styles, with a monochrome variant for NO_COLOR.
struct Theme<'a> {
    bar: Style,
    selected: Style,
    dim: Style,
    warn: Style,
    placeholder: Style,
    matched: Style,
    current: Style,
    key: Style,
    /// Suggestions, by position in the label set; the last is for labels outside it.
    labels: Vec<Style>,
    /// Confirmed annotations: solid background in the label's colour.
    confirmed: Vec<Style>,
    /// Where the styles' labels are.
    set: &'a LabelSet,
    selection: Style,
    bar_alert: Style,
    /// Open disagreements in review mode.
    disagree: Style,
}

impl<'a> Theme<'a> {
    fn new(no_color: bool, set: &'a LabelSet) -> Theme<'a> {
        // One more style than labels: grey, for a label the set does not define.
        let n = set.len() + 1;
        if no_color {
            let plain = Style::new();
            return Theme {
                bar: plain.add_modifier(Modifier::REVERSED),
                selected: plain.add_modifier(Modifier::REVERSED),
                dim: plain,
                warn: plain.add_modifier(Modifier::BOLD),
                placeholder: plain.add_modifier(Modifier::UNDERLINED),
                // Blinking: neither a suggestion (underlined) nor an annotation (reversed).
                matched: plain.add_modifier(Modifier::SLOW_BLINK | Modifier::UNDERLINED),
                current: plain.add_modifier(Modifier::SLOW_BLINK | Modifier::REVERSED),
                key: plain.add_modifier(Modifier::BOLD),
                // Reversed, with the label's own attribute (as the legend shows).
                confirmed: (0..n)
                    .map(|i| plain.add_modifier(Modifier::REVERSED | MONO[i % MONO.len()]))
                    .collect(),
                set,
                selection: plain.add_modifier(Modifier::UNDERLINED | Modifier::REVERSED),
                bar_alert: plain.add_modifier(Modifier::BOLD | Modifier::SLOW_BLINK),
                // Crossed out: no suggestion, annotation or match is drawn so.
                disagree: plain.add_modifier(Modifier::CROSSED_OUT | Modifier::BOLD),
                labels: (0..n)
                    .map(|i| plain.add_modifier(Modifier::UNDERLINED | MONO[i % MONO.len()]))
                    .collect(),
            };
        }
        // Label colours come from the 6x6x6 cube of the 256-colour palette, which xterm,
        // urxvt, VS Code and GNOME Terminal define alike (the 16 ANSI colours differ
        // between them: urxvt's "light blue" is pure blue, bright yellow vanishes on
        // white). Each keeps a contrast of at least 3:1 against both a white and a black
        // background (see `label_colours_read_on_light_and_dark_backgrounds`).
        let colours: Vec<(Color, u8)> = (0..set.len())
            .map(|i| label_colour(set, i))
            .chain([(Color::Indexed(GREY), WHITE)])
            .collect();
        Theme {
            // Reverse video stands out on any background.
            bar: Style::new().add_modifier(Modifier::REVERSED),
            selected: Style::new()
                .fg(Color::Indexed(WHITE))
                .bg(Color::Indexed(TEAL)),
            dim: Style::new().fg(Color::Indexed(GREY)),
            warn: Style::new().fg(Color::Indexed(LABEL_COLOURS[0])),
            placeholder: Style::new()
                .fg(Color::Indexed(LABEL_COLOURS[4]))
                .add_modifier(Modifier::DIM),
            // Cyan backgrounds: no label uses cyan, so a match never looks confirmed.
            matched: Style::new().fg(Color::Black).bg(Color::Cyan),
            current: Style::new()
                .fg(Color::Black)
                .bg(Color::LightCyan)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            key: Style::new()
                .fg(Color::Indexed(TEAL))
                .add_modifier(Modifier::BOLD),
            confirmed: colours
                .iter()
                .map(|&(c, fg)| Style::new().fg(Color::Indexed(fg)).bg(c))
                .collect(),
            set,
            selection: Style::new()
                .fg(Color::Indexed(BLACK))
                .bg(Color::Indexed(HIGHLIGHT)),
            bar_alert: Style::new()
                .fg(Color::Indexed(WHITE))
                .bg(Color::Indexed(LABEL_COLOURS[0]))
                .add_modifier(Modifier::BOLD),
            // A grey background no label, match or selection uses, crossed out as
            // without colour.
            disagree: Style::new()
                .fg(Color::Black)
                .bg(Color::Indexed(DISAGREE_BG))
                .add_modifier(Modifier::CROSSED_OUT),
            // Suggestions are underlined in their label's colour.
            labels: colours
                .iter()
                .map(|&(c, _)| Style::new().fg(c).add_modifier(Modifier::UNDERLINED))
                .collect(),
        }
    }

    fn slot(&self, label: Label) -> usize {
        self.set.index_of(label).unwrap_or(self.set.len())
    }

    fn label(&self, label: Label) -> Style {
        self.labels[self.slot(label)]
    }

    fn confirmed(&self, label: Label) -> Style {
        self.confirmed[self.slot(label)]
    }
}

/// The colour a label of `set` is drawn in, by name (the stats view's bars); `None` for
/// a name the set does not define.
pub(crate) fn label_colour_of(set: &LabelSet, name: &str) -> Option<Color> {
    let i = Label::new(name).ok().and_then(|l| set.index_of(l))?;
    Some(label_colour(set, i).0)
}

pub fn draw(app: &App, frame: &mut Frame) {
    let area = frame.area();
    let buf = frame.buffer_mut();
    draw_app(app, area, buf);
}

/// Draws the whole app into `buf` (also used by tests and benches on a bare buffer).
pub fn draw_app(app: &App, area: Rect, buf: &mut Buffer) {
    draw_screen(app, area, buf);
    settle(buf, app.opts);
}

fn draw_screen(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = Theme::new(app.no_color, &app.labels);
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(app, area, buf);
        return;
    }
    match &app.screen {
        Screen::Library => draw_library(app, area, buf, &theme),
        Screen::Reader(r) => draw_reader(app, r, area, buf, &theme),
    }
    // Menus and help: each mode draws itself, bottom to top.
    super::modes::view_overlays(app, area, buf);
}

fn draw_too_small(app: &App, area: Rect, buf: &mut Buffer) {
    let mut lines = vec![
        "Terminal too small".to_string(),
        format!(
            "{}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        ),
    ];
    // The keys do what they do at any size: in the reader `q` goes back to the library.
    match app.screen {
        Screen::Library => lines.push("q quits".to_string()),
        Screen::Reader(_) => {
            lines.push(format!("{}: library", app.keymap.keys_of("back")));
            lines.push("Ctrl-c: quit".to_string());
        }
    }
    for (i, line) in lines.iter().enumerate() {
        if (i as u16) < area.height {
            put_str(
                buf,
                area.x,
                area.y + i as u16,
                line,
                area.width as usize,
                Style::new(),
            );
        }
    }
}

/// The reader's position in the status bar (`1-20/96 20%`).
fn position_text(r: &Reader, body: usize) -> String {
    let total = r.layout.lines.len();
    let last = (r.top + body).min(total);
    let pct = (last * 100).checked_div(total).unwrap_or(100);
    // While a long article is still being laid out, the total is not known yet.
    if r.partial {
        format!("{}-{}/{}+", (r.top + 1).min(total), last, total)
    } else {
        format!("{}-{}/{} {pct}%", (r.top + 1).min(total), last, total)
    }
}

/// The save state for the status bar and its style: first, it is what a user must
/// never miss (empty when a notice that starts with it already says it).
fn save_state(app: &App, r: &Reader, theme: &Theme<'_>) -> (&'static str, Style) {
    let says_state = app
        .message
        .as_deref()
        .is_some_and(|m| m.starts_with("NOT SAVED") || m.starts_with("read-only"));
    match (&r.ann.read_only, &r.ann.state) {
        _ if says_state => ("", theme.bar),
        (Some(_), _) => ("READ-ONLY", theme.bar_alert),
        (None, SaveState::Failed(_)) => ("NOT SAVED", theme.bar_alert),
        (None, SaveState::Unsaved) => ("● unsaved", theme.bar),
        (None, SaveState::Saved) => ("saved", theme.bar),
        (None, SaveState::Clean) => ("", theme.bar),
    }
}

/// The state and a notice are set apart, so that `saved` does not read as the notice's
/// first word.
const STATE_SEP: &str = " │ ";

/// The status line of `state` and notice `m` when it is too long for one bar of `w`
/// columns beside `position` (it is then wrapped upwards), else `None`.
fn wrapped_notice(state: &str, m: &str, position: &str, w: usize) -> Option<String> {
    let line = if state.is_empty() {
        m.to_string()
    } else {
        format!("{state}{STATE_SEP}{m}")
    };
    (str_width(&line) + str_width(position) + 3 > w).then_some(line)
}

/// Rows the reader's status bar takes this frame (more than one when a question or a
/// notice is wrapped upwards): what a menu drawn above it must leave free.
fn status_rows(app: &App, area: Rect) -> u16 {
    let Screen::Reader(r) = &app.screen else {
        return 1;
    };
    let w = area.width as usize;
    if r.search.editing {
        return 1;
    }
    let wrapped = if let Pending::Confirm { prompt, .. } = &r.pending {
        (str_width(prompt) > w.saturating_sub(2)).then(|| prompt.clone())
    } else {
        let theme = Theme::new(app.no_color, &app.labels);
        let (state, _) = save_state(app, r, &theme);
        let position = position_text(r, body_height(area.height));
        app.message
            .as_deref()
            .and_then(|m| wrapped_notice(state, m, &position, w))
    };
    wrapped.map_or(1, |text| wrapped_rows(area, &text))
}

/// Rows [`put_wrapped_up`] takes for `text` in `area`.
fn wrapped_rows(area: Rect, text: &str) -> u16 {
    let safe = sanitize_line(text);
    let width = (area.width as usize).saturating_sub(2).max(1);
    let rows = crate::text::layout(&safe, width, WidthOptions::default())
        .render_plain(&safe)
        .lines()
        .count();
    rows.clamp(1, (area.height as usize / 2).max(1)) as u16
}

/// Writes a one-line string at (x, y): sanitized, cut to `max` columns with "…".
/// Returns the columns used.
fn put_str(buf: &mut Buffer, x: u16, y: u16, s: &str, max: usize, style: Style) -> usize {
    let safe = sanitize_line(s);
    let fitted = fit(&safe, max);
    let (end, _) = buf.set_stringn(x, y, &fitted, max, style);
    (end - x) as usize
}

/// Draws `text` wrapped to the width of `area` (a column of margin each side), its last
/// row on the bottom row of `area` and the rows before it above, over whatever is there;
/// at most half the height (the end cut with "…" past that). Returns the first row.
fn put_wrapped_up(buf: &mut Buffer, area: Rect, text: &str, style: Style) -> u16 {
    let safe = sanitize_line(text);
    let width = (area.width as usize).saturating_sub(2).max(1);
    let plain = crate::text::layout(&safe, width, WidthOptions::default()).render_plain(&safe);
    let mut rows: Vec<&str> = plain.lines().collect();
    let max_rows = (area.height as usize / 2).max(1);
    let mut last = None;
    if rows.len() > max_rows {
        rows.truncate(max_rows);
        last = rows.pop().map(|r| format!("{r}…"));
    }
    let n = rows.len() + usize::from(last.is_some());
    let first = area.bottom().saturating_sub(n as u16).max(area.y);
    let lines = rows.into_iter().map(str::to_string).chain(last);
    for (i, row) in lines.enumerate() {
        let y = first + i as u16;
        // Reset, not only restyled: cells of article text carry a forced width for the
        // terminal diff, which would swallow every other character drawn over them.
        for x in area.x..area.right() {
            buf[(x, y)].reset();
        }
        fill_row(buf, area, y, style);
        put_str(buf, area.x + 1, y, &row, width, style);
    }
    first
}

/// Display width of a sanitized one-line string.
pub fn str_width(s: &str) -> usize {
    let opts = WidthOptions::default();
    s.graphemes(true)
        .map(|g| Glyph::of(g, opts).width_at(0, opts))
        .sum()
}

/// Cuts `s` to `max` columns, ending with "…" when something was cut.
fn fit(s: &str, max: usize) -> String {
    if str_width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for g in s.graphemes(true) {
        let gw = str_width(g);
        if w + gw + 1 > max {
            break;
        }
        out.push_str(g);
        w += gw;
    }
    if max > 0 {
        out.push('…');
    }
    out
}

fn fill_row(buf: &mut Buffer, area: Rect, y: u16, style: Style) {
    for x in area.x..area.right() {
        buf[(x, y)].set_symbol(" ").set_style(style);
    }
}

/// "1,234"
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `right` (status, length) after the other annotators' marks (`bob✓ carol~`), in a
/// column of fixed width so that rows line up; initials when full names would take more
/// than a quarter of the row.
fn with_peers(app: &App, idx: usize, w: usize, right: String) -> String {
    use crate::team::peers::render;
    if app.peers.is_empty() {
        return right;
    }
    let all: Vec<(u8, crate::team::peers::PeerState)> = (0..app.peers.len())
        .map(|i| (i as u8, crate::team::peers::PeerState::Broken))
        .collect();
    let initials = str_width(&render(&app.peers, &all, false)) > w / 4;
    let slot = str_width(&render(&app.peers, &all, initials));
    let marks = app
        .peer_states
        .get(idx)
        .map(|s| render(&app.peers, s, initials))
        .unwrap_or_default();
    let marks = sanitize_line(&marks);
    let pad = slot.saturating_sub(str_width(&marks));
    format!("{marks}{}  {right}", " ".repeat(pad))
}

fn draw_library(app: &App, area: Rect, buf: &mut Buffer, theme: &Theme<'_>) {
    let w = area.width as usize;
    let lib = &app.library;
    // Header: where articles come from and where annotations go.
    fill_row(buf, area, area.y, theme.bar);
    let (done, total, entities) = app.totals();
    let loaded = app.corpus.entries.iter().filter(|e| e.loaded).count();
    let reading = if loaded < total {
        format!(" · reading {}/{}", thousands(loaded), thousands(total))
    } else {
        String::new()
    };
    let header = format!(
        " inkmark · {}/ · {done}/{total} done · {entities} {}{reading} · annotations in {}/",
        app.corpus.root.display().to_string().trim_end_matches('/'),
        if entities == 1 { "entity" } else { "entities" },
        app.annotations_dir
            .display()
            .to_string()
            .trim_end_matches('/')
    );
    put_str(buf, area.x, area.y, &header, w, theme.bar);

    let rows = list_height(area.height);
    let list_y = area.y + 1;
    if app.corpus.entries.is_empty() {
        let msg = format!("No .txt or .md articles in {}", app.corpus.root.display());
        put_str(
            buf,
            area.x + 1,
            list_y + 1,
            &msg,
            w.saturating_sub(2),
            theme.warn,
        );
        put_str(
            buf,
            area.x + 1,
            list_y + 2,
            "Open another folder: inkmark DIR",
            w.saturating_sub(2),
            theme.dim,
        );
    } else if lib.visible.is_empty() {
        let msg = format!("No article matches “{}”", lib.filter);
        put_str(
            buf,
            area.x + 1,
            list_y + 1,
            &msg,
            w.saturating_sub(2),
            theme.warn,
        );
    }
    let show_file = w >= 70;
    for (row, &idx) in lib.visible.iter().enumerate().skip(lib.scroll).take(rows) {
        let y = list_y + (row - lib.scroll) as u16;
        let e = &app.corpus.entries[idx];
        let selected = row == lib.selected;
        let base = if selected {
            theme.selected
        } else {
            Style::new()
        };
        if selected {
            fill_row(buf, area, y, base);
        }
        let size = if e.loaded {
            format!("{}字", thousands(e.chars))
        } else {
            "…".to_string()
        };
        let progress = match &app.progress[idx] {
            Progress::None => String::new(),
            Progress::Some { status, entities } => format!("{} {entities}", status.name()),
            Progress::Broken(_) => "broken!".to_string(),
        };
        let progress_w = app
            .progress
            .iter()
            .map(|p| match p {
                Progress::None => 0,
                Progress::Some { status, entities } => {
                    status.name().len() + 1 + entities.to_string().len()
                }
                Progress::Broken(_) => 7,
            })
            .max()
            .unwrap_or(0);
        let size = if w >= 44 && progress_w > 0 {
            format!("{progress:>progress_w$}  {size:>7}")
        } else if progress_w > 0 {
            // Narrow: the status matters more than the length.
            format!("{progress:>progress_w$}")
        } else {
            size
        };
        let size = with_peers(app, idx, w, size);
        let file = sanitize_line(&e.rel.to_string_lossy());
        let file_w = if show_file {
            str_width(&file).min(28)
        } else {
            0
        };
        let right = str_width(&size) + if show_file { file_w + 2 } else { 0 };
        // Marker column: "!" for files with a problem.
        if e.problem.is_some() || matches!(app.progress[idx], Progress::Broken(_)) {
            put_str(
                buf,
                area.x,
                y,
                "!",
                1,
                if selected { base } else { theme.warn },
            );
        }
        let title_max = w.saturating_sub(2 + right + 2);
        let title = match &e.problem {
            Some(Problem::Unreadable(err)) => format!("{} (unreadable: {err})", e.title),
            _ => e.title.clone(),
        };
        put_str(buf, area.x + 2, y, &title, title_max, base);
        let mut x = area.x as usize + w - right - 1;
        if show_file {
            put_str(
                buf,
                x as u16,
                y,
                &file,
                file_w,
                if selected { base } else { theme.dim },
            );
            x += file_w + 2;
        }
        put_str(
            buf,
            x as u16,
            y,
            &size,
            w - (x - area.x as usize),
            if selected { base } else { theme.dim },
        );
    }

    // Footer: prompt, notice or hints.
    let y = area.bottom() - 1;
    fill_row(buf, area, y, theme.bar);
    let footer = if lib.editing {
        format!(
            "/{}▏  {} of {}",
            lib.filter,
            lib.visible.len(),
            app.corpus.entries.len()
        )
    } else if let Some(m) = &app.message {
        m.clone()
    } else if let Some(p) = lib
        .visible
        .get(lib.selected)
        .and_then(|&i| app.corpus.entries[i].problem.as_ref())
    {
        p.describe()
    } else if let Some(Progress::Broken(e)) =
        lib.visible.get(lib.selected).map(|&i| &app.progress[i])
    {
        format!("annotation file does not parse: {e}")
    } else if !lib.filter.is_empty() {
        format!(
            "filter “{}”: {} of {}   Esc clear  / edit  Enter open",
            lib.filter,
            lib.visible.len(),
            app.corpus.entries.len()
        )
    } else {
        "j/k move  Enter open  / filter  s status  ? help  q quit".to_string()
    };
    put_str(buf, area.x + 1, y, &footer, w.saturating_sub(2), theme.bar);
}

fn draw_reader(app: &App, r: &Reader, area: Rect, buf: &mut Buffer, theme: &Theme<'_>) {
    let body = body_height(area.height);
    let total = r.layout.lines.len();
    let panel_open = r.panel.is_some();
    let text_w = reader_area_width(area.width, panel_open);
    let panel_only = panel_open && area.width < PANEL_SIDE_BY_SIDE;
    if !panel_only {
        let x0 = area.x + 1;
        let right = (area.x + text_w).saturating_sub(1);
        let last = (r.top + body).min(total);
        let first_char = r.layout.lines.get(r.top).map_or(0, |l| l.char_start);
        let last_char = last
            .checked_sub(1)
            .and_then(|l| r.layout.lines.get(l))
            .map_or(first_char, |l| l.char_end);
        let marks = r.marks_in(first_char, last_char);
        for (row, line) in (r.top..total).take(body).enumerate() {
            let y = area.y + row as u16;
            draw_text_line(app, r, &marks, line, x0, right, y, buf, theme);
        }
        if total == 0 {
            put_str(
                buf,
                x0,
                area.y,
                "(empty article)",
                text_w as usize - 2,
                theme.dim,
            );
        }
    }
    if let Some(panel) = &r.panel {
        let pw = panel_width(area.width);
        let rect = Rect {
            x: area.right() - pw,
            y: area.y,
            width: pw,
            height: body as u16,
        };
        draw_panel(app, panel, rect, buf, theme);
    }

    // Status bar: prompt or notice, else title, save state, legend and position.
    let y = area.bottom() - 1;
    fill_row(buf, area, y, theme.bar);
    let w = area.width as usize;
    if r.search.editing {
        let count = match (r.search.query.is_empty(), r.search.matches.len()) {
            (true, _) => String::new(),
            (false, 0) => "  no match".to_string(),
            (false, 1) => "  1 match".to_string(),
            (false, n) => format!("  {n} matches"),
        };
        let prompt = format!("/{}▏{count}", r.search.query);
        put_str(buf, area.x + 1, y, &prompt, w.saturating_sub(2), theme.bar);
        return;
    }
    if let Pending::Confirm { prompt, .. } = &r.pending {
        let style = theme.bar.add_modifier(Modifier::BOLD);
        if str_width(prompt) > w.saturating_sub(2) {
            // A question must be read whole before it is answered.
            put_wrapped_up(buf, area, prompt, style);
        } else {
            put_str(buf, area.x + 1, y, prompt, w.saturating_sub(2), style);
        }
        return;
    }
    let position = position_text(r, body);
    let (state, state_style) = save_state(app, r, theme);
    if let Some(m) = &app.message {
        // A notice too long for the bar grows it upwards for this one frame (the next
        // key clears it): cut, the end of a reason or of a list of skipped files is lost.
        if let Some(line) = wrapped_notice(state, m, &position, w) {
            let first = put_wrapped_up(buf, area, &line, theme.bar);
            if !state.is_empty() && str_width(state) < w.saturating_sub(2) {
                put_str(buf, area.x + 1, first, state, str_width(state), state_style);
            }
            return;
        }
    }
    let used = put_position_right(buf, area, y, &position, theme.bar);
    let left_max = w.saturating_sub(used + 3);
    let mut x = area.x as usize + 1;
    if !state.is_empty() {
        x += put_str(buf, x as u16, y, state, left_max, state_style);
        let sep = if app.message.is_some() {
            STATE_SEP
        } else {
            " "
        };
        x += put_str(buf, x as u16, y, sep, str_width(sep), theme.bar);
    }
    let left_max = left_max.saturating_sub(x - area.x as usize - 1);
    if let Some(m) = &app.message {
        put_str(buf, x as u16, y, m, left_max, theme.bar);
        return;
    }
    if r.pending == Pending::Relabel {
        let prompt = format!(
            "relabel: press a label key ({} menu)",
            app.keymap.keys_of("label_menu")
        );
        put_str(buf, x as u16, y, &prompt, left_max, theme.bar);
        return;
    }
    // An annotation whose label the set does not define (a file from an older scheme).
    if let Some(e) = r.ann.set.at(r.cursor).map(|i| &r.ann.set.entities[i]) {
        if !app.labels.contains(e.label) {
            let note = format!("{}: unknown label, not in the set (r relabels)", e.label);
            put_str(buf, x as u16, y, &note, left_max, theme.bar_alert);
            return;
        }
    }
    if let Some(said) = crate::tui::review::status_line(app) {
        put_str(buf, x as u16, y, &said, left_max, theme.bar);
        return;
    }
    // Title, then the status and legend while they fit: the legend shortens (names
    // cut, then the keys alone) before the status goes, and both before the title.
    let mut status = format!("{} {}", r.ann.set.status.name(), r.ann.set.entities.len());
    if app.training {
        // Marking an article done trains the corpus model in the background.
        status.push_str(" · training");
    }
    if let Some(left) = crate::tui::review::left(app) {
        status.push_str(&format!(" · {left}"));
    }
    // The title keeps 12 columns while the legend shrinks and the status goes; then it
    // shrinks to a few columns itself before the legend goes (at 40 columns the legend
    // tells more than the end of a title).
    const MIN_TITLE: usize = 12;
    const LAST_TITLE: usize = 5;
    let with_status = str_width(&status) + 6;
    let fit = |extra: usize, title: usize| {
        let room = left_max.checked_sub(title + extra)?;
        LegendForm::ALL
            .into_iter()
            .find(|f| legend_width(app, r, *f) <= room)
            .map(|f| (f, extra + legend_width(app, r, f)))
    };
    let chosen = fit(with_status, MIN_TITLE)
        .map(|(f, w)| (f, w, true))
        .or_else(|| fit(3, MIN_TITLE).map(|(f, w)| (f, w, false)))
        .or_else(|| fit(3, LAST_TITLE).map(|(f, w)| (f, w, false)));
    let title_max = chosen.map_or(left_max, |(_, w, _)| left_max - w);
    x += put_str(buf, x as u16, y, &r.title, title_max.max(1), theme.bar);
    if let Some((form, _, show_status)) = chosen {
        let sep = if show_status {
            format!(" │ {status} │ ")
        } else {
            " │ ".to_string()
        };
        x += put_str(buf, x as u16, y, &sep, str_width(&sep), theme.bar);
        draw_legend(app, r, form, x as u16, y, buf, theme);
    }
}

/// How the status bar's legend writes the labels, widest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LegendForm {
    /// Names cut to this many characters (`usize::MAX`: whole), a space apart.
    Names(usize),
    /// The labels' keys alone, side by side, each in its label's colour.
    Keys,
}

impl LegendForm {
    const ALL: [LegendForm; 4] = [
        LegendForm::Names(usize::MAX),
        LegendForm::Names(4),
        LegendForm::Names(3),
        LegendForm::Keys,
    ];

    /// What the legend shows for one label (`None`: nothing, a label without a key).
    fn text(self, d: &crate::label::LabelDef) -> Option<String> {
        match self {
            LegendForm::Names(n) => Some(d.label.name().chars().take(n).collect()),
            LegendForm::Keys => d.key.map(|k| k.to_string()),
        }
    }
}

fn legend_width(app: &App, r: &Reader, form: LegendForm) -> usize {
    if r.analysis.is_none() {
        return str_width("detecting entities…");
    }
    let parts: Vec<String> = app
        .labels
        .defs()
        .iter()
        .filter_map(|d| form.text(d))
        .collect();
    let gaps = match form {
        LegendForm::Names(_) => parts.len().saturating_sub(1),
        LegendForm::Keys => 0,
    };
    parts.iter().map(|p| str_width(p)).sum::<usize>() + gaps
}

/// The labels in their colours (hidden ones crossed out), or detection progress.
fn draw_legend(
    app: &App,
    r: &Reader,
    form: LegendForm,
    x: u16,
    y: u16,
    buf: &mut Buffer,
    theme: &Theme<'_>,
) -> usize {
    if r.analysis.is_none() {
        let what = match app.detector {
            DetectorState::Loading => "loading dictionary…",
            DetectorState::Ready { .. } => "detecting entities…",
        };
        return put_str(buf, x, y, what, 20, theme.bar);
    }
    let mut used = 0;
    for d in app.labels.defs() {
        let Some(text) = form.text(d) else {
            continue;
        };
        if used > 0 && form != LegendForm::Keys {
            used += put_str(buf, x + used as u16, y, " ", 1, theme.bar);
        }
        let style = if app.hidden.contains(d.label) {
            theme
                .bar
                .add_modifier(Modifier::CROSSED_OUT | Modifier::DIM)
        } else {
            theme.confirmed(d.label)
        };
        used += put_str(buf, x + used as u16, y, &text, str_width(&text), style);
    }
    used
}

/// The entity panel: labels with counts, then each distinct text with its mentions.
fn draw_panel(app: &App, panel: &Panel, rect: Rect, buf: &mut Buffer, theme: &Theme<'_>) {
    cut_wide_chars_at(rect, buf);
    Clear.render(rect, buf);
    let r_by_score = app.reader().is_some_and(|r| r.panel_by_score);
    let title = match (panel.focused, r_by_score) {
        (true, false) => " Entities ",
        (true, true) => " Entities, least certain first ",
        (false, _) => " Entities (Tab) ",
    };
    let block = Block::new().borders(Borders::ALL).title(title);
    let inner = block.inner(rect);
    block.render(rect, buf);
    if panel.rows.is_empty() {
        let msg = if app.labels.labels().all(|l| app.hidden.contains(l)) {
            "all labels hidden (f)"
        } else {
            "no entities"
        };
        put_str(
            buf,
            inner.x + 1,
            inner.y,
            msg,
            inner.width as usize,
            theme.dim,
        );
        return;
    }
    let w = inner.width as usize;
    // A problem is the reason the article is read-only: it is wrapped over as many rows as
    // it needs, never cut. Rows then differ in height: start late enough for the
    // selected row to stay inside the box.
    let problem_rows = |p: &str| -> Vec<String> {
        let text = sanitize_line(&format!("! {p}"));
        let width = w.saturating_sub(1).max(1);
        let plain = crate::text::layout(&text, width, WidthOptions::default()).render_plain(&text);
        plain.lines().map(str::to_string).collect()
    };
    // A span set aside is wrapped whole too, with the offsets it had.
    let aside_rows = |label: &Label, text: &str, start: usize, end: usize| -> Vec<String> {
        let line = sanitize_line(&format!("? {label} {text} (was at {start}..{end})"));
        let width = w.saturating_sub(1).max(1);
        let plain = crate::text::layout(&line, width, WidthOptions::default()).render_plain(&line);
        plain.lines().map(str::to_string).collect()
    };
    let height = |row: &PanelRow| match row {
        PanelRow::Problem(p) => problem_rows(p).len().max(1),
        PanelRow::Unanchored {
            label,
            text,
            start,
            end,
        } => aside_rows(label, text, *start, *end).len().max(1),
        _ => 1,
    };
    let mut first = panel.scroll.min(panel.selected);
    while first < panel.selected
        && panel.rows[first..=panel.selected.min(panel.rows.len() - 1)]
            .iter()
            .map(height)
            .sum::<usize>()
            > inner.height as usize
    {
        first += 1;
    }
    let mut y = inner.y;
    for (row, item) in panel.rows.iter().enumerate().skip(first) {
        if y >= inner.bottom() {
            break;
        }
        if let PanelRow::Problem(p) = item {
            for line in problem_rows(p) {
                if y >= inner.bottom() {
                    break;
                }
                put_str(buf, inner.x + 1, y, &line, w.saturating_sub(1), theme.warn);
                y += 1;
            }
            continue;
        }
        if let PanelRow::Unanchored {
            label,
            text,
            start,
            end,
        } = item
        {
            let style = if row == panel.selected && panel.focused {
                theme.selected
            } else if row == panel.selected {
                theme.warn.add_modifier(Modifier::REVERSED)
            } else {
                theme.warn
            };
            for line in aside_rows(label, text, *start, *end) {
                if y >= inner.bottom() {
                    break;
                }
                if row == panel.selected {
                    for x in inner.x..inner.right() {
                        buf[(x, y)].set_style(style);
                    }
                }
                put_str(buf, inner.x + 1, y, &line, w.saturating_sub(1), style);
                y += 1;
            }
            continue;
        }
        let this_row = y;
        y += 1;
        let y = this_row;
        match item {
            PanelRow::Header {
                label,
                mentions,
                confirmed,
            } => {
                let text = format!(
                    "{} {}  {mentions}× ({confirmed} ✓)",
                    label.name(),
                    app.labels.description(*label)
                );
                put_str(
                    buf,
                    inner.x + 1,
                    y,
                    &text,
                    w.saturating_sub(1),
                    theme
                        .label(*label)
                        .add_modifier(Modifier::BOLD)
                        .remove_modifier(Modifier::UNDERLINED),
                );
            }
            PanelRow::Item {
                text,
                mentions,
                confirmed,
                score,
                sources,
                ..
            } => {
                let selected = row == panel.selected;
                let style = if selected && panel.focused {
                    theme.selected
                } else if selected {
                    Style::new().add_modifier(Modifier::REVERSED)
                } else {
                    Style::new()
                };
                if selected {
                    for x in inner.x..inner.right() {
                        buf[(x, y)].set_style(style);
                    }
                }
                let mut count = if *confirmed > 0 {
                    format!("×{} ✓{confirmed}", mentions.len())
                } else {
                    format!("×{}", mentions.len())
                };
                if r_by_score && *score < 1000 {
                    // The least certain open suggestion of this text.
                    count.push_str(&format!(" {}%", (*score + 5) / 10));
                }
                let count_w = str_width(&count);
                // Who suggests the open mentions (model, pattern, lexicon), dimmed.
                let mut from = sources.names();
                // A narrow panel keeps room for the text (4 columns at least).
                if w < count_w + str_width(&from) + 9 {
                    from.clear();
                }
                let from_w = if from.is_empty() {
                    0
                } else {
                    str_width(&from) + 1
                };
                put_str(
                    buf,
                    inner.x + 2,
                    y,
                    text,
                    w.saturating_sub(count_w + from_w + 4),
                    style,
                );
                if from_w > 0 {
                    put_str(
                        buf,
                        inner.right().saturating_sub((count_w + from_w) as u16 + 1),
                        y,
                        &from,
                        from_w - 1,
                        style.patch(theme.dim),
                    );
                }
                put_str(
                    buf,
                    inner.right().saturating_sub(count_w as u16 + 1),
                    y,
                    &count,
                    count_w,
                    style,
                );
            }
            PanelRow::Problem(_) | PanelRow::Unanchored { .. } => {}
            PanelRow::Section(title) => {
                put_str(buf, inner.x + 1, y, title, w.saturating_sub(1), theme.key);
            }
        }
    }
}

fn put_position_right(buf: &mut Buffer, area: Rect, y: u16, s: &str, style: Style) -> usize {
    let w = str_width(s);
    let x = area.right().saturating_sub(w as u16 + 1);
    put_str(buf, x, y, s, w, style);
    w + 1
}

/// The mark containing `offset` and its index (marks are sorted and disjoint).
fn mark_at(marks: &[Mark], offset: usize) -> Option<(usize, &Mark)> {
    let i = marks.partition_point(|m| m.span.end <= offset);
    marks
        .get(i)
        .filter(|m| m.span.start <= offset)
        .map(|m| (i, m))
}

/// True when mark `i` starts where the one before it (same label, same kind) ends, and
/// that one is not itself drawn the other way: the shading alternates along a run.
fn follows_same_label(marks: &[Mark], i: usize) -> bool {
    let adjacent = |j: usize| {
        j > 0 && {
            let (a, b) = (&marks[j - 1], &marks[j]);
            a.span.end == b.span.start && a.span.label == b.span.label && a.kind == b.kind
        }
    };
    let mut run = 0;
    let mut j = i;
    while adjacent(j) {
        run += 1;
        j -= 1;
    }
    run % 2 == 1
}

#[allow(clippy::too_many_arguments)]
fn draw_text_line(
    app: &App,
    r: &Reader,
    marks: &[Mark],
    line: usize,
    x0: u16,
    right: u16,
    y: u16,
    buf: &mut Buffer,
    theme: &Theme<'_>,
) {
    let selection = r.selection();
    for p in r.layout.pieces(&r.text, line) {
        if p.width == 0 {
            continue;
        }
        let x = x0 as usize + p.col;
        if x >= right as usize {
            break;
        }
        let mut style = Style::new();
        if let Some((i, m)) =
            mark_at(marks, p.char_offset).filter(|(_, m)| !app.hidden.contains(m.span.label))
        {
            style = match m.kind {
                MarkKind::Confirmed => theme.confirmed(m.span.label),
                MarkKind::Suggested => theme.label(m.span.label),
            };
            if follows_same_label(marks, i) {
                // Two spans of one label side by side: the second is drawn another way
                // so the boundary shows (平煤神马集团|尼龙化工公司五厂).
                style = style.add_modifier(Modifier::UNDERLINED);
                if m.kind == MarkKind::Suggested {
                    style = style
                        .remove_modifier(Modifier::UNDERLINED)
                        .add_modifier(Modifier::BOLD);
                }
            }
        }
        if crate::tui::review::is_open_at(app, p.char_offset) {
            style = theme.disagree;
        }
        if p.glyph.is_placeholder() {
            style = theme.placeholder;
        }
        let mut in_current_match = false;
        if let Some(m) = r.search.match_at(p.char_offset) {
            in_current_match = Some(m) == r.search.current;
            style = if in_current_match {
                theme.current
            } else {
                theme.matched
            };
        }
        if selection.is_some_and(|(s, e)| s <= p.char_offset && p.char_offset < e) {
            style = theme.selection;
            in_current_match = false;
        }
        if p.char_offset == r.cursor && !in_current_match {
            style = style.add_modifier(Modifier::REVERSED);
        }
        let x = x as u16;
        match p.glyph {
            Glyph::Text { width } => {
                if x as usize + width as usize > right as usize {
                    break;
                }
                let cell = &mut buf[(x, y)];
                cell.set_symbol(&crate::text::glyph::visible_cluster(p.cluster))
                    .set_style(style);
                if !p.cluster.is_ascii() {
                    // Our width, not a guess from the symbol: ambiguous characters and
                    // emoji sequences depend on the width setting.
                    if let Some(w) = NonZeroU16::new(width as u16) {
                        cell.set_diff_option(CellDiffOption::ForcedWidth(w));
                    }
                }
                for k in 1..width as u16 {
                    buf[(x + k, y)].reset();
                }
            }
            Glyph::ControlPicture(_) | Glyph::Orphan => {
                let sym = p.glyph.symbol(p.cluster, p.width);
                buf[(x, y)].set_symbol(&sym).set_style(style);
            }
            Glyph::CodePoint(_) | Glyph::Tab => {
                let sym = p.glyph.symbol(p.cluster, p.width);
                for (k, ch) in sym.chars().enumerate() {
                    let cx = x + k as u16;
                    if cx >= right {
                        break;
                    }
                    buf[(cx, y)].set_char(ch).set_style(style);
                }
            }
            Glyph::Invisible => {}
        }
    }
}

/// Before an overlay is drawn over `area`: a wide character cut by its left edge is
/// blanked whole, so that no half of it is left next to the border (upstream ratatui
/// #2526 describes the same for `Clear`). One cut by the right edge is replaced by the
/// border and leaves a blank cell. What the terminal still shows of either is rewritten
/// through [`refresh_cut_wide_chars`].
fn cut_wide_chars_at(area: Rect, buf: &mut Buffer) {
    use ratatui::buffer::CellWidth;
    if area.x <= buf.area.x {
        return;
    }
    for y in area.y..area.bottom() {
        let left = &mut buf[(area.x - 1, y)];
        if left.cell_width() > 1 {
            left.reset();
        }
    }
}

/// The help's title and rows for the current view.
fn help_rows(app: &App) -> (&'static str, Vec<(String, String)>) {
    let fixed = |keys: &[(&str, &str)]| {
        keys.iter()
            .map(|(k, d)| (k.to_string(), d.to_string()))
            .collect()
    };
    match &app.screen {
        Screen::Library => {
            let mut rows: Vec<(String, String)> = fixed(LIBRARY_KEYS);
            // The stats key is configurable: the help shows the one in effect.
            let at = rows.len().saturating_sub(3);
            rows.insert(
                at,
                (
                    app.keymap.keys_of("stats"),
                    "stats: charts of the corpus".into(),
                ),
            );
            (" Library keys ", rows)
        }
        Screen::Reader(r) if r.panel.as_ref().is_some_and(|p| p.focused) => {
            (" Entity panel keys ", fixed(PANEL_KEYS))
        }
        Screen::Reader(_) => (" Reader keys ", app.keymap.reader_help_with(&app.labels)),
    }
}

/// Last pass over a drawn frame, for what ratatui's buffer cannot express about real
/// terminals.
pub(crate) fn settle(buf: &mut Buffer, opts: WidthOptions) {
    if opts.ambiguous_wide {
        narrow_furniture(buf);
    }
}

/// With `--ambiguous-wide` the terminal draws East Asian Ambiguous characters (│ ─ ┌ · …
/// × ● ← “ and the like) two columns wide, while the program's own strings (bars, borders,
/// titles, the panel) are laid out one column per character. Article text is drawn with
/// its measured width (`ForcedWidth`); every other cell whose width depends on the setting
/// gets a stand-in that is narrow in both modes.
fn narrow_furniture(buf: &mut Buffer) {
    use unicode_width::UnicodeWidthStr;
    for cell in buf.content.iter_mut() {
        if matches!(cell.diff_option, CellDiffOption::ForcedWidth(_)) || cell.symbol().is_ascii() {
            continue;
        }
        let sym = cell.symbol();
        if sym.width() == 1 && sym.width_cjk() != 1 {
            let narrow = narrow_stand_in(sym.chars().next().unwrap_or(' '));
            cell.set_char(narrow);
        }
    }
}

/// An ASCII stand-in for an ambiguous-width character the program draws.
fn narrow_stand_in(c: char) -> char {
    match c {
        '─' | '━' | '═' | '—' | '–' | '·' | '•' => '-',
        '│' | '┃' | '║' | '▏' | '▕' => '|',
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╭' | '╮' | '╯' | '╰' => {
            '+'
        }
        '…' | '‥' => '.',
        '×' => 'x',
        '●' | '○' | '◌' | '★' | '☆' => '*',
        '←' => '<',
        '→' => '>',
        '↑' => '^',
        '↓' => 'v',
        '“' | '”' | '″' => '"',
        '‘' | '’' | '′' => '\'',
        _ => '?',
    }
}

/// The frame the terminal shows, for [`draw_shown`].
#[derive(Default)]
pub struct Shown(Option<Buffer>);

/// [`draw`] for a real terminal: the frame, then [`after_draw`] against the last one.
pub fn draw_shown(app: &App, frame: &mut Frame, shown: &mut Shown) {
    draw(app, frame);
    after_draw(shown, frame.buffer_mut());
}

/// Compares a drawn frame with the one the terminal shows (see
/// [`refresh_cut_wide_chars`]) and keeps it as the one shown.
pub fn after_draw(shown: &mut Shown, next: &mut Buffer) {
    if let Some(prev) = shown.0.as_ref().filter(|p| p.area == next.area) {
        refresh_cut_wide_chars(prev, next);
    }
    match &mut shown.0 {
        Some(b) if b.area == next.area => b.content.clone_from(&next.content),
        _ => shown.0 = Some(next.clone()),
    }
}

/// Workaround for ratatui 0.30.2, whose diff skips the cells under a wide character by
/// the new frame's widths only. Where the previous frame had a wide character that the new
/// one replaces (a scrolled or re-wrapped line, a cancelled selection, a panel opening),
/// the terminal keeps the part of it the new cells do not overwrite, with its background:
/// stale selection ink after 。 (upstream ratatui #2738, #2585), tofu in urxvt. Every cell
/// the old wide character covered is marked to be rewritten. Drop this once a ratatui
/// release contains the fix (ratatui #2743, merged after 0.30.2).
fn refresh_cut_wide_chars(prev: &Buffer, next: &mut Buffer) {
    use ratatui::buffer::CellWidth;
    let width = next.area.width as usize;
    if width == 0 {
        return;
    }
    let mut under_new_wide = vec![false; width];
    for (old, new) in prev
        .content
        .chunks(width)
        .zip(next.content.chunks_mut(width))
    {
        under_new_wide.fill(false);
        let mut x = 0;
        while x < width {
            let w = (new[x].cell_width() as usize).max(1);
            under_new_wide[(x + 1).min(width)..(x + w).min(width)].fill(true);
            x += w;
        }
        let mut x = 0;
        while x < width {
            let w = (old[x].cell_width() as usize).max(1);
            let kept =
                new[x].symbol() == old[x].symbol() && new[x].cell_width() == old[x].cell_width();
            if w > 1 && !kept {
                for k in x + 1..(x + w).min(width) {
                    if !under_new_wide[k] && new[k].diff_option == CellDiffOption::None {
                        new[k].set_diff_option(CellDiffOption::AlwaysUpdate);
                    }
                }
            }
            x += w;
        }
    }
}

/// Rows of the help popup that fit on the screen, and how many rows it has.
fn help_fit(app: &App) -> (usize, usize) {
    let (_, rows) = help_rows(app);
    // The popup leaves the status bar (the last row) visible.
    let visible = (app.size.1 as usize)
        .saturating_sub(3)
        .min(rows.len())
        .max(1);
    (visible, rows.len())
}

/// How far the help can scroll at the current size.
pub fn help_max_scroll(app: &App) -> usize {
    let (visible, total) = help_fit(app);
    total.saturating_sub(visible)
}

/// The help popup (drawn by its mode, [`super::modes::HelpMode`]).
pub(crate) fn draw_help(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &Theme::new(app.no_color, &app.labels);
    // Above the status bar, which keeps saying where the reader is.
    let area = Rect {
        height: area.height.saturating_sub(1).max(1),
        ..area
    };
    let (title, keys) = help_rows(app);
    let (visible, total) = help_fit(app);
    let scroll = app.help.scroll.min(total.saturating_sub(visible));
    let key_w = keys.iter().map(|(k, _)| str_width(k)).max().unwrap_or(0);
    let text_w = keys.iter().map(|(_, d)| str_width(d)).max().unwrap_or(0);
    let w = (key_w + text_w + 6) as u16;
    let footer = if visible < total {
        format!(
            " {}-{}/{total} j/k Space scroll, ? closes ",
            scroll + 1,
            scroll + visible
        )
    } else {
        " ? or Esc closes ".to_string()
    };
    let popup = popup(area, w, visible as u16 + 2, title, &footer, buf);
    let inner_w = popup.width.saturating_sub(2) as usize;
    // Narrow screens: long key lists and descriptions are cut with "…".
    let key_col = key_w.min(inner_w / 2);
    for (i, (k, d)) in keys.iter().skip(scroll).take(visible).enumerate() {
        let y = popup.y + 1 + i as u16;
        if y + 1 >= popup.bottom() {
            break;
        }
        put_str(buf, popup.x + 2, y, k, key_col.max(1), theme.key);
        let dx = 2 + key_col + 2;
        if dx < inner_w {
            put_str(
                buf,
                popup.x + dx as u16,
                y,
                d,
                inner_w + 1 - dx,
                Style::new(),
            );
        }
    }
}

/// A bordered box of `w` x `h` centred in `area`, cleared, with a title and a footer;
/// returns its rectangle.
fn popup(area: Rect, w: u16, h: u16, title: &str, footer: &str, buf: &mut Buffer) -> Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    let rect = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    cut_wide_chars_at(rect, buf);
    Clear.render(rect, buf);
    Block::new()
        .borders(Borders::ALL)
        .title(title)
        .title_bottom(footer)
        .render(rect, buf);
    rect
}

/// The first row to draw of `n` rows in `height` so that row `cursor` shows.
fn scroll_to(cursor: usize, n: usize, height: usize) -> usize {
    if n <= height || height == 0 {
        0
    } else {
        cursor.saturating_sub(height - 1).min(n - height)
    }
}

/// `f`: which labels are highlighted, toggled with their keys (or j/k and Space); the
/// list scrolls when the set is longer than the screen.
pub(crate) fn draw_filter_menu(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &Theme::new(app.no_color, &app.labels);
    let n = app.labels.len();
    let popup = popup(
        area,
        52,
        n.min(u16::MAX as usize - 2) as u16 + 2,
        " Show labels ",
        " key or Space toggles, Esc ",
        buf,
    );
    let w = popup.width;
    let rows = popup.height.saturating_sub(2) as usize;
    let first = scroll_to(app.filter_cursor, n, rows);
    for (i, d) in app.labels.defs().iter().enumerate().skip(first).take(rows) {
        let label = d.label;
        let y = popup.y + 1 + (i - first) as u16;
        let mark = if app.hidden.contains(label) {
            "[ ]"
        } else {
            "[x]"
        };
        let key = d.key.map_or(" ".to_string(), |k| k.to_string());
        let line = format!("{key} {mark} ");
        let key_style = if i == app.filter_cursor {
            theme.selected
        } else {
            theme.key
        };
        let used = put_str(buf, popup.x + 2, y, &line, w as usize - 3, key_style);
        let text = format!("{} {}", label.name(), d.description);
        put_str(
            buf,
            popup.x + 2 + used as u16,
            y,
            &text,
            (w as usize).saturating_sub(4 + used),
            theme.label(label).remove_modifier(Modifier::UNDERLINED),
        );
    }
}

/// The label menu: the filter line, then each label with its shortcut letter, name and
/// description; the highlighted row is what Enter applies.
pub(crate) fn draw_label_menu(
    app: &App,
    menu: &super::modes::LabelMenu,
    area: Rect,
    buf: &mut Buffer,
) {
    let theme = &Theme::new(app.no_color, &app.labels);
    // Above the status bar, which keeps showing the prompt (on two rows or more when
    // it is wrapped, in a narrow terminal).
    let area = Rect {
        height: area.height.saturating_sub(status_rows(app, area)).max(1),
        ..area
    };
    let rows = menu.rows(&app.labels);
    let keys = super::modes::shortcuts(&app.labels);
    let relabel = app.reader().is_some_and(|r| r.pending == Pending::Relabel);
    let title = if relabel {
        " Relabel as "
    } else {
        " Label as "
    };
    let popup = popup(
        area,
        52,
        rows.len().max(1).min(u16::MAX as usize - 3) as u16 + 3,
        title,
        " letter or Enter, Esc ",
        buf,
    );
    let w = popup.width as usize;
    let query = if menu.typing {
        format!("/{}▏", menu.query)
    } else {
        "a letter, or / to filter".to_string()
    };
    put_str(
        buf,
        popup.x + 2,
        popup.y + 1,
        &query,
        w.saturating_sub(4),
        theme.dim,
    );
    let height = popup.height.saturating_sub(3) as usize;
    if rows.is_empty() {
        put_str(
            buf,
            popup.x + 2,
            popup.y + 2,
            "no label matches",
            w.saturating_sub(4),
            theme.dim,
        );
        return;
    }
    let first = scroll_to(menu.cursor, rows.len(), height);
    for (k, &(i, label)) in rows.iter().enumerate().skip(first).take(height) {
        let y = popup.y + 2 + (k - first) as u16;
        let key = if menu.typing {
            " ".to_string()
        } else {
            keys[i].map_or(" ".to_string(), |c| c.to_string())
        };
        let key_style = if k == menu.cursor {
            theme.selected
        } else {
            theme.key
        };
        let used = put_str(buf, popup.x + 2, y, &format!("{key} "), 2, key_style);
        let text = format!("{} {}", label.name(), app.labels.description(label));
        put_str(
            buf,
            popup.x + 2 + used as u16,
            y,
            &text,
            w.saturating_sub(4 + used),
            theme.label(label).remove_modifier(Modifier::UNDERLINED),
        );
    }
}

/// `E`: the export formats, chosen by number.
pub(crate) fn draw_export_menu(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &Theme::new(app.no_color, &app.labels);
    use crate::export::Format;
    let title = format!(" Export all to {}/ ", app.exports_dir.display());
    let popup = popup(
        area,
        46,
        Format::ALL.len() as u16 + 2,
        &title,
        " 1-5 export, Esc ",
        buf,
    );
    let w = popup.width;
    for (i, f) in Format::ALL.iter().enumerate() {
        let y = popup.y + 1 + i as u16;
        if y + 1 >= popup.bottom() {
            break;
        }
        let used = put_str(buf, popup.x + 2, y, &format!("{} ", i + 1), 2, theme.key);
        let line = format!("{:<12} {}", f.name(), f.default_file());
        put_str(
            buf,
            popup.x + 2 + used as u16,
            y,
            &line,
            (w as usize).saturating_sub(5),
            Style::new(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(index: u8) -> [u8; 3] {
        super::rgb(index).expect("a colour of the cube or the grey ramp")
    }

    #[test]
    fn label_colours_read_on_light_and_dark_backgrounds() {
        let (white, black) = ([255; 3], [0; 3]);
        // Computed (against white / black): PER 5.40/3.89, LOC 4.70/4.47, ORG 5.15/4.08,
        // TIME 3.34/6.29, QTY 6.10/3.44; help keys 4.13/5.08, dim text 3.95/5.32.
        // The colour names a config may use too.
        let named = crate::label::COLOR_NAMES.iter().map(|&(_, i)| i);
        for index in LABEL_COLOURS.into_iter().chain([TEAL, GREY]).chain(named) {
            let c = rgb(index);
            let (on_white, on_black) = (contrast(c, white), contrast(c, black));
            assert!(
                on_white >= 3.0 && on_black >= 3.0,
                "{index}: {on_white:.2} {on_black:.2}"
            );
        }
        // Text on a confirmed entity (the defaults: 4.65, 4.05, 4.44, 6.29, 5.26), a
        // selected row (3.56) and a selection.
        let confirmed_fg = LABEL_COLOURS.map(|c| text_on(rgb(c)));
        assert_eq!(confirmed_fg[..5], [WHITE, WHITE, WHITE, BLACK, WHITE]);
        let named = crate::label::COLOR_NAMES
            .iter()
            .map(|&(_, i)| (text_on(rgb(i)), i));
        for (fg, bg) in confirmed_fg
            .into_iter()
            .zip(LABEL_COLOURS)
            .chain([(WHITE, TEAL), (BLACK, HIGHLIGHT)])
            .chain(named)
        {
            let ratio = contrast(rgb(fg), rgb(bg));
            assert!(ratio >= 3.0, "{fg} on {bg}: {ratio:.2}");
        }
        let set = LabelSet::default();
        let theme = Theme::new(false, &set);
        let fg: Vec<_> = theme.labels.iter().map(|s| s.fg).collect();
        // A selection never looks like a confirmed annotation: its background stands
        // apart from every label colour (blue #005faf beside ORG's #005fff was 1.3).
        assert_eq!(theme.selection.bg, Some(Color::Indexed(HIGHLIGHT)));
        let named = crate::label::COLOR_NAMES.iter().map(|&(_, i)| i);
        for label in LABEL_COLOURS.into_iter().chain([GREY]).chain(named) {
            let ratio = contrast(rgb(HIGHLIGHT), rgb(label));
            assert!(ratio >= 2.5, "selection against {label}: {ratio:.2}");
        }
        let want: Vec<_> = LABEL_COLOURS[..5]
            .iter()
            .map(|&c| Some(Color::Indexed(c)))
            .chain([Some(Color::Indexed(GREY))])
            .collect();
        assert_eq!(fg, want);
    }
}
