//! `inkmark show`: an article wrapped exactly as the reader wraps it, for stdout.

use crate::text::{layout, Glyph, WidthOptions};

/// The article laid out for `width` columns. With `styled`, placeholders for control
/// characters are drawn in reverse video (SGR 7) so they stand out on a terminal.
pub fn render(text: &str, width: usize, opts: WidthOptions, styled: bool) -> String {
    let l = layout(text, width, opts);
    if !styled {
        return l.render_plain(text);
    }
    let mut out = String::with_capacity(text.len() + l.lines.len() * 2);
    for i in 0..l.lines.len() {
        for p in l.pieces(text, i) {
            match p.glyph {
                Glyph::Text { .. } => out.push_str(&crate::text::glyph::visible_cluster(p.cluster)),
                g if g.is_placeholder() => {
                    out.push_str("\u{1b}[7m");
                    out.push_str(&g.symbol(p.cluster, p.width));
                    out.push_str("\u{1b}[27m");
                }
                g => out.push_str(&g.symbol(p.cluster, p.width)),
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styled_output_marks_placeholders_only() {
        let opts = WidthOptions::default();
        assert_eq!(render("a\u{1b}b", 10, opts, false), "a␛b\n");
        assert_eq!(
            render("a\u{1b}b", 10, opts, true),
            "a\u{1b}[7m␛\u{1b}[27mb\n"
        );
    }
}
