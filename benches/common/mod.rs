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
