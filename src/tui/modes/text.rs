//! The reader itself, under every other mode: moving the cursor, scrolling, and the
//! annotating keys. It takes whatever the modes above let through.

use super::{Handled, Mode};
use crate::tui::app::{body_height, reader_area_width, App, Msg, Pending, Screen, STILL_DETECTING};

pub struct TextMode;

impl Mode for TextMode {
    fn update(&self, app: &mut App, msg: &Msg) -> Handled {
        update(app, msg.clone());
        Handled::Consumed
    }
}

fn update(app: &mut App, msg: Msg) {
    let body = body_height(app.size.1);
    let hidden = app.hidden.clone();
    let text_area = reader_area_width(app.size.0, app.reader().is_some_and(|r| r.panel.is_some()));
    let Screen::Reader(r) = &mut app.screen else {
        return;
    };
    // Only the key right after `v` on a mark may restart the selection at the cursor.
    let select_from = r.select_from.take();
    if let (Some(from), Msg::Left | Msg::Right, Some(_)) = (select_from, &msg, r.anchor) {
        // `v` `l` `l` on a suggestion selects from where the cursor was, as a newcomer
        // expects, rather than growing past the whole suggestion.
        r.anchor = Some(from);
        r.cursor = from;
    }
    // `]` from a freshly opened article may stop on the mark under the cursor.
    let fresh = r.fresh;
    let max_top = r.max_top(body);
    let page = body.saturating_sub(1).max(1);
    app.message = match msg {
        Msg::Up => {
            r.cursor_line(false, body);
            None
        }
        Msg::Down => {
            r.cursor_line(true, body);
            None
        }
        Msg::Left => {
            if let Some(p) = r.prev_cluster(r.cursor) {
                r.cursor = p;
                r.scroll_to_cursor(body);
            }
            None
        }
        Msg::Right => {
            if let Some(n) = r.next_cluster(r.cursor) {
                r.cursor = n;
                r.scroll_to_cursor(body);
            }
            None
        }
        Msg::WordNext => {
            r.word_move_selecting(true, body);
            None
        }
        Msg::WordPrev => {
            r.word_move_selecting(false, body);
            None
        }
        Msg::ScrollUp
        | Msg::ScrollDown
        | Msg::PageUp
        | Msg::PageDown
        | Msg::HalfPageUp
        | Msg::HalfPageDown
        | Msg::Wheel { .. } => {
            let (down, n) = match msg {
                Msg::ScrollUp => (false, 1),
                Msg::ScrollDown => (true, 1),
                Msg::PageUp => (false, page),
                Msg::PageDown => (true, page),
                Msg::HalfPageUp => (false, (body / 2).max(1)),
                Msg::HalfPageDown => (true, (body / 2).max(1)),
                Msg::Wheel { down } => (down, 3),
                _ => (true, 0),
            };
            // Paging moves the cursor with the page, like a reader expects.
            let line = r.layout.line_of(r.cursor) as isize - r.top as isize;
            r.top = if down {
                (r.top + n).min(max_top)
            } else {
                r.top.saturating_sub(n)
            };
            if !matches!(msg, Msg::ScrollUp | Msg::ScrollDown | Msg::Wheel { .. }) {
                let target = (r.top as isize + line).max(0) as usize;
                if let Some(l) = r
                    .layout
                    .lines
                    .get(target.min(r.layout.lines.len().saturating_sub(1)))
                {
                    r.cursor = l.char_start;
                }
            }
            r.keep_cursor_in_view(body);
            None
        }
        Msg::Top => {
            r.top = 0;
            r.cursor = r.line_start(0, false);
            r.keep_cursor_in_view(body);
            None
        }
        Msg::Bottom => {
            r.top = max_top;
            let last = r.layout.lines.len().saturating_sub(1);
            r.cursor = r.layout.lines.get(last).map_or(0, |l| l.char_start);
            r.keep_cursor_in_view(body);
            None
        }
        Msg::StartPrompt => {
            r.search_start();
            None
        }
        Msg::NextMatch => r.jump_match(true, body),
        Msg::PrevMatch => r.jump_match(false, body),
        Msg::NextEntity => r.jump_entity(true, fresh, &hidden, body),
        Msg::PrevEntity => r.jump_entity(false, false, &hidden, body),
        Msg::TogglePanel if r.analysis_partial && r.panel.is_none() => {
            Some(STILL_DETECTING.to_string())
        }
        Msg::TogglePanel => {
            app.toggle_panel();
            None
        }
        Msg::SwitchFocus => {
            if let Some(p) = &mut r.panel {
                p.focused = true;
            }
            None
        }
        Msg::FilterMenu => {
            app.filter_menu = true;
            app.filter_cursor = 0;
            Some("labels: a label's key or j/k and Space show / hide, Esc closes".to_string())
        }
        Msg::Select => r.select(),
        Msg::OtherEnd => r.other_end(body),
        Msg::WordEnd => {
            r.word_end_move(body);
            None
        }
        Msg::NextArticle | Msg::PrevArticle => {
            app.next_article(msg == Msg::NextArticle);
            return;
        }
        Msg::Label(i) => match app.labels.get(i) {
            Some(label) => r.label_key(label, &hidden),
            None => Some(format!("no label number {}", i + 1)),
        },
        Msg::Digit(d) => Some(format!(
            "no label on key {d} (t: the label menu; 0 then digits: a count)"
        )),
        Msg::Accept => r.accept(&hidden, body),
        Msg::Reject => r.reject(&hidden, body),
        Msg::AcceptAll => r.accept_all(),
        Msg::LabelEverywhere => {
            app.message = r.label_everywhere();
            app.finish_everywhere_prompt();
            return;
        }
        Msg::Delete => r.delete(&hidden),
        Msg::Relabel => {
            if r.ann.set.at(r.cursor).is_some() || r.suggestion_at(r.cursor).is_some() {
                r.pending = Pending::Relabel;
                Some("relabel: press the new label's key (t: the label menu)".to_string())
            } else {
                Some("no annotation or suggestion under the cursor".to_string())
            }
        }
        Msg::Edge { start, right } => {
            let times = std::mem::replace(&mut r.edge_times, 1);
            r.move_edge(start, right, times, &hidden, body)
        }
        Msg::Undo => r.undo(&hidden),
        Msg::Redo => r.redo(&hidden),
        Msg::CycleStatus => r.cycle_status(&hidden),
        Msg::Click { col, row } | Msg::Drag { col, row } => {
            let inside = (row as usize) < body && col >= 1 && col < text_area;
            if inside {
                if let Some(off) = r.offset_at_cell(col as usize - 1, row as usize) {
                    if matches!(msg, Msg::Drag { .. }) {
                        r.anchor.get_or_insert(r.cursor);
                    } else {
                        r.anchor = None;
                    }
                    r.cursor = off;
                }
            }
            None
        }
        Msg::Back | Msg::Cancel => {
            if msg == Msg::Cancel && r.anchor.is_some() {
                r.anchor = None;
                return;
            }
            if msg == Msg::Cancel && !r.search.matches.is_empty() {
                // Esc first clears the highlighted matches, like :noh.
                r.search.clear_matches();
                return;
            }
            if msg == Msg::Cancel && r.panel.is_some() {
                r.panel = None;
                app.reflow();
                return;
            }
            app.leave_reader();
            return;
        }
        _ => None,
    };
}
