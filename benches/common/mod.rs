//! Inputs shared by the benchmarks.

/// The five seed articles repeated until the text is at least `bytes` long.
pub fn seed_text(bytes: usize) -> String {
    let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds"));
    let seeds = inkmark::corpus::read_texts(dir).expect("the seeds");
    let mut text = String::with_capacity(bytes + 30_000);
    while text.len() < bytes {
        for s in &seeds {
            text.push_str(s);
            text.push('\n');
        }
    }
    text
}

/// `n` distinct terms for the patterns benchmark, deterministically: half are pieces of
/// `text` (2-5 characters, so they match all over it), the rest made-up CJK words.
#[allow(dead_code)] // only the patterns benchmark and its example use it
pub fn terms(text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().take(1 << 20).collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        // xorshift64: no dependency, same terms everywhere.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..n / 2 {
        let r = next();
        let len = 2 + (r >> 40) as usize % 4;
        let at = (r as usize) % (chars.len() - len);
        let t: String = chars[at..at + len].iter().collect();
        if t.chars().all(char::is_alphanumeric) && seen.insert(t.clone()) {
            out.push(t);
        }
    }
    while out.len() < n {
        let r = next();
        let len = 2 + (r >> 60) as usize % 4;
        let t: String = (0..len)
            .map(|k| char::from_u32(0x4E00 + ((r >> (k * 12)) as u32 % 20_000)).unwrap_or('中'))
            .collect();
        if seen.insert(t.clone()) {
            out.push(t);
        }
    }
    out
}
