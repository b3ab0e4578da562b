//! Incremental search in the reader: smart case (a query with a capital letter is case
//! sensitive), matches kept as code-point ranges, `n`/`N` wrap around with a notice.

use super::app::Reader;

#[derive(Debug, Clone, Default)]
pub struct Search {
    pub query: String,
    pub editing: bool,
    /// Match ranges in code points, sorted.
    pub matches: Vec<(usize, usize)>,
    /// Index into `matches` of the match last jumped to.
    pub current: Option<usize>,
    /// Where the reader was when the prompt opened: Esc goes back there.
    origin_top: usize,
    origin_cursor: usize,
    /// The last confirmed query, restored when an edit is cancelled.
    confirmed: String,
    /// Confirmed queries of this session, oldest first (↑ ↓ in the prompt).
    pub history: Vec<String>,
    /// Which history entry the prompt shows (`None`: what is being typed).
    browsing: Option<usize>,
}

impl Search {
    /// Esc after a search: the highlights go, the history stays (`/` `Enter` repeats).
    pub fn clear_matches(&mut self) {
        self.matches.clear();
        self.current = None;
        self.query.clear();
        self.confirmed.clear();
    }

    /// Index of the match containing code point `offset`, if any.
    pub fn match_at(&self, offset: usize) -> Option<usize> {
        let i = self.matches.partition_point(|&(_, end)| end <= offset);
        self.matches
            .get(i)
            .filter(|&&(start, _)| start <= offset)
            .map(|_| i)
    }
}

/// All non-overlapping occurrences of `query` in `text`, as code-point ranges. Smart
/// case: a query without capitals ignores ASCII case.
pub fn find_all(text: &str, query: &str) -> Vec<(usize, usize)> {
    find_all_in_chunks(text, query, SEARCH_CHUNK)
}

/// Bytes of the text lowercased at a time for a case-insensitive search (a 10 MB
/// article is not copied whole at every keystroke).
const SEARCH_CHUNK: usize = 64 * 1024;

use crate::text::bounds::ceil_boundary;

fn find_all_in_chunks(text: &str, query: &str, chunk: usize) -> Vec<(usize, usize)> {
    if query.is_empty() {
        return Vec::new();
    }
    let case_sensitive = query.chars().any(char::is_uppercase);
    // ASCII folding keeps byte offsets unchanged, so matches map straight back.
    let needle = if case_sensitive {
        query.to_string()
    } else {
        query.to_ascii_lowercase()
    };
    let needle_chars = needle.chars().count();
    let mut out = Vec::new();
    let (mut byte, mut chars) = (0, 0);
    let mut found = |b: usize| {
        chars += text[byte..b].chars().count();
        byte = b;
        out.push((chars, chars + needle_chars));
    };
    if case_sensitive || !needle.bytes().any(|b| b.is_ascii_alphabetic()) {
        // Case cannot matter (Chinese, digits, punctuation): search the text itself.
        for (b, _) in text.match_indices(needle.as_str()) {
            found(b);
        }
        return out;
    }
    let mut lowered = String::new();
    let mut start = 0;
    while start < text.len() {
        let end = ceil_boundary(text, start + chunk.max(1));
        // Matches start before `end`; they may reach past it by the needle's length.
        let reach = ceil_boundary(text, end + needle.len() - 1);
        lowered.clear();
        lowered.push_str(&text[start..reach]);
        lowered.make_ascii_lowercase();
        let mut next = end;
        for (b, _) in lowered.match_indices(needle.as_str()) {
            if start + b >= end {
                break;
            }
            found(start + b);
            next = start + b + needle.len();
        }
        // Like one scan over the whole text: the next match starts after this one.
        start = next.max(end);
    }
    out
}

impl Reader {
    pub fn search_start(&mut self) {
        self.search.editing = true;
        self.search.origin_top = self.top;
        self.search.origin_cursor = self.cursor;
        self.search.query.clear();
        self.search.matches.clear();
        self.search.current = None;
        self.search.browsing = None;
    }

    /// ↑ (`older`) / ↓ in the prompt: the previous / next query of the history.
    pub fn search_history(&mut self, older: bool, body: usize) {
        let n = self.search.history.len();
        let next = match (self.search.browsing, older) {
            (None, true) if n > 0 => Some(n - 1),
            (Some(i), true) => Some(i.saturating_sub(1)),
            (Some(i), false) if i + 1 < n => Some(i + 1),
            (Some(_), false) => None,
            (None, _) => return,
        };
        self.search.browsing = next;
        self.search.query = next.map_or(String::new(), |i| self.search.history[i].clone());
        self.search_changed(body);
    }

    /// After each keystroke: jump to the first match at or after where the search began.
    pub fn search_changed(&mut self, body: usize) {
        self.search.matches = find_all(&self.text, &self.search.query);
        let from = self
            .layout
            .lines
            .get(self.search.origin_top)
            .map_or(0, |l| l.char_start);
        if self.search.matches.is_empty() {
            self.search.current = None;
            self.top = self.search.origin_top;
            self.cursor = self.search.origin_cursor;
            return;
        }
        let i = self.search.matches.partition_point(|&(s, _)| s < from);
        let i = if i == self.search.matches.len() { 0 } else { i };
        self.search.current = Some(i);
        self.top = self.search.origin_top;
        self.reveal_match(i, body);
    }

    /// Enter: keep the matches for `n`/`N`. An empty query repeats the last search.
    pub fn search_confirm(&mut self, body: usize) -> Option<String> {
        self.search.editing = false;
        if self.search.query.is_empty() {
            match self.search.history.last() {
                Some(last) => {
                    self.search.query = last.clone();
                    self.search_changed(body);
                }
                None => return Some("No previous search".to_string()),
            }
        }
        self.search.confirmed = self.search.query.clone();
        let q = self.search.query.clone();
        self.search.history.retain(|h| *h != q);
        self.search.history.push(q);
        if self.search.matches.is_empty() {
            return Some(format!("Pattern not found: {}", self.search.query));
        }
        let n = self.search.matches.len();
        let noun = if n == 1 { "match" } else { "matches" };
        Some(format!("{n} {noun} for {}", self.search.query))
    }

    /// Esc while typing: back to where the search started, with the previous search.
    pub fn search_cancel(&mut self) {
        self.search.editing = false;
        self.top = self.search.origin_top;
        self.cursor = self.search.origin_cursor;
        self.search.query = self.search.confirmed.clone();
        self.search.matches = find_all(&self.text, &self.search.query);
        self.search.current = None;
    }

    /// `n` (forward) or `N` (backward): the next match, wrapping around with a notice.
    pub fn jump_match(&mut self, forward: bool, body: usize) -> Option<String> {
        let n = self.search.matches.len();
        if n == 0 {
            return Some(if self.search.query.is_empty() {
                "No previous search: press / to search".to_string()
            } else {
                format!("Pattern not found: {}", self.search.query)
            });
        }
        let top_char = self.first_visible_char();
        let (next, wrapped) = match (self.search.current, forward) {
            (Some(c), true) => ((c + 1) % n, c + 1 == n),
            (Some(c), false) => ((c + n - 1) % n, c == 0),
            (None, true) => {
                let i = self.search.matches.partition_point(|&(s, _)| s < top_char);
                if i == n {
                    (0, true)
                } else {
                    (i, false)
                }
            }
            (None, false) => {
                let i = self.search.matches.partition_point(|&(s, _)| s < top_char);
                if i == 0 {
                    (n - 1, true)
                } else {
                    (i - 1, false)
                }
            }
        };
        self.search.current = Some(next);
        self.reveal_match(next, body);
        let position = format!("match {}/{}", next + 1, n);
        Some(match (wrapped, forward) {
            (true, true) => format!("search hit BOTTOM, continuing at TOP ({position})"),
            (true, false) => format!("search hit TOP, continuing at BOTTOM ({position})"),
            _ => position,
        })
    }

    /// Shows match `i` and puts the cursor on it, so the next key starts from there.
    fn reveal_match(&mut self, i: usize, body: usize) {
        let (start, _) = self.search.matches[i];
        let line = self.layout.line_of(start);
        self.reveal_line(line, body);
        self.cursor = self.cluster_start(start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_code_point_ranges_with_smart_case() {
        let text = "😀疫情 covid COVID 疫情";
        assert_eq!(find_all(text, "疫情"), [(1, 3), (16, 18)]);
        assert_eq!(find_all(text, "covid"), [(4, 9), (10, 15)]);
        assert_eq!(find_all(text, "COVID"), [(10, 15)]);
        assert!(find_all(text, "").is_empty());
    }

    /// The plain definition: lowercase everything, scan once.
    fn find_all_whole(text: &str, query: &str) -> Vec<(usize, usize)> {
        if query.is_empty() {
            return Vec::new();
        }
        let (hay, needle) = if query.chars().any(char::is_uppercase) {
            (text.to_string(), query.to_string())
        } else {
            (text.to_ascii_lowercase(), query.to_ascii_lowercase())
        };
        let n = needle.chars().count();
        hay.match_indices(needle.as_str())
            .map(|(b, _)| {
                let s = text[..b].chars().count();
                (s, s + n)
            })
            .collect()
    }

    proptest::proptest! {
        #[test]
        fn chunked_search_finds_what_one_scan_finds(
            text in "[aAb中é ]{0,80}",
            query in "[aAb中é]{1,4}",
            chunk in 1usize..20,
        ) {
            proptest::prop_assert_eq!(
                find_all_in_chunks(&text, &query, chunk),
                find_all_whole(&text, &query)
            );
        }
    }

    #[test]
    fn overlapping_candidates_across_chunks() {
        let text = "aAaAaAaAa中aaa";
        for chunk in 1..text.len() + 2 {
            assert_eq!(
                find_all_in_chunks(text, "aa", chunk),
                find_all_whole(text, "aa"),
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn match_at_finds_the_containing_match() {
        let s = Search {
            matches: vec![(2, 4), (10, 12)],
            ..Search::default()
        };
        assert_eq!(s.match_at(1), None);
        assert_eq!(s.match_at(2), Some(0));
        assert_eq!(s.match_at(3), Some(0));
        assert_eq!(s.match_at(4), None);
        assert_eq!(s.match_at(11), Some(1));
    }
}
