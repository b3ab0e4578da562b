//! Byte positions in a text snapped to characters, line breaks and sentence ends: where
//! long texts are cut into parts (a prefix to lay out first, paragraphs to detect first,
//! chunks to search).

/// The last char boundary at or before `at`, at most the text's length.
pub fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The first char boundary at or after `at`, at most the text's length.
pub fn ceil_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

const SENTENCE_END: char = '。';

/// Just after the first line break within `within` bytes after `at`; the text's end when
/// that window reaches it; else just after the first sentence end in the window; else
/// `at` itself.
pub fn break_after(text: &str, at: usize, within: usize) -> usize {
    let at = floor_boundary(text, at);
    let high = ceil_boundary(text, at.saturating_add(within));
    let window = &text[at..high];
    match window.find('\n') {
        Some(i) => at + i + 1,
        None if high == text.len() => text.len(),
        None => window
            .find(SENTENCE_END)
            .map_or(at, |i| at + i + SENTENCE_END.len_utf8()),
    }
}

/// Just after the last line break within `within` bytes before `at`; the text's start
/// when that window reaches it; else just after the last sentence end in the window; else
/// `at` itself.
pub fn break_before(text: &str, at: usize, within: usize) -> usize {
    let at = floor_boundary(text, at);
    let low = floor_boundary(text, at.saturating_sub(within));
    let window = &text[low..at];
    match window.rfind('\n') {
        Some(i) => low + i + 1,
        None if low == 0 => 0,
        None => window
            .rfind(SENTENCE_END)
            .map_or(at, |i| low + i + SENTENCE_END.len_utf8()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_and_breaks() {
        let text = "ab中。cd\nef";
        assert_eq!((floor_boundary(text, 3), ceil_boundary(text, 3)), (2, 5));
        assert_eq!(floor_boundary(text, 99), text.len());
        assert_eq!(
            break_after(text, 0, 6),
            8,
            "sentence end: no line break in reach"
        );
        assert_eq!(break_after(text, 0, 20), 11, "just after the line break");
        assert_eq!(
            break_after(text, 12, 2),
            text.len(),
            "the window reaches the end"
        );
        assert_eq!(break_after(text, 0, 1), 0, "nothing in reach");
        assert_eq!(break_before(text, text.len(), 20), 11);
        assert_eq!(break_before(text, 10, 3), 8);
        assert_eq!(break_before(text, 2, 5), 0, "the window reaches the start");
        assert_eq!(break_before(text, 10, 1), 10, "nothing in reach");
    }
}
