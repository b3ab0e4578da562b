//! Quick timing of detection against plain jieba tagging (whole text and per paragraph).
//!
//!     cargo run --release --example jiebatime -- FILE
fn main() {
    let path = std::env::args().nth(1).expect("usage: jiebatime FILE");
    let text = std::fs::read_to_string(path).unwrap();
    let d = inkmark::detect::Detector::new();
    let time = |name: &str, f: &dyn Fn() -> usize| {
        let mut best = std::time::Duration::MAX;
        for _ in 0..7 {
            let t = std::time::Instant::now();
            std::hint::black_box(f());
            best = best.min(t.elapsed());
        }
        println!("{name:>24}: best of 7 {best:?}");
        best.as_secs_f64()
    };
    let whole = time("jieba tag, whole text", &|| {
        d.jieba().tag(&text, true).len()
    });
    let paras = time("jieba tag, per paragraph", &|| {
        text.split_inclusive('\n')
            .map(|p| d.jieba().tag(p, true).len())
            .sum()
    });
    let detect = time("inkmark detect", &|| d.detect(&text).len());
    println!(
        "detect / whole-text tag speed: {:.2}x; / per-paragraph tag: {:.2}x",
        whole / detect,
        paras / detect
    );
}
