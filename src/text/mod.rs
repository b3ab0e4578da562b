//! Text layout for terminals: grapheme widths, CJK line breaking, offset maps.
//! Pure functions; nothing here knows about a terminal library.

pub mod bounds;
pub mod breaking;
pub mod clusters;
pub mod glyph;
pub mod layout;

pub use glyph::{json_for_terminal, sanitize_line, sanitize_text, Glyph, WidthOptions};
pub use layout::{layout, Layout, Line, Piece};

#[cfg(test)]
mod tests;

/// `1 article`, `2 articles`: a number and its noun, for messages.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
