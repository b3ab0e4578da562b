fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let d = inkmark::detect::Detector::new();
    let j = d.jieba();
    let mut t_tag = std::time::Duration::ZERO;
    let mut t_all = std::time::Duration::ZERO;
    for _ in 0..5 {
        let t0 = std::time::Instant::now();
        for p in text.split_inclusive('\n') {
            let tags = j.tag(p, true);
            std::hint::black_box(tags);
        }
        t_tag += t0.elapsed();
        let t1 = std::time::Instant::now();
        std::hint::black_box(d.detect(&text));
        t_all += t1.elapsed();
    }
    println!("tag {:?} detect {:?}", t_tag / 5, t_all / 5);
}
