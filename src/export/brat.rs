//! brat standoff: one `.txt` + `.ann` pair per article (`T1<TAB>PER 96 99<TAB>高轶鹏`),
//! code-point offsets into the `.txt`, and an `annotation.conf` listing the labels. A span
//! that crosses a line break is written as fragments (`0 5;6 9`), as brat requires; every
//! character Python's `splitlines()` breaks at (U+2028, U+0085, form feed, …) counts, since
//! brat reads the `.ann` with it.

use super::import::{Imported, ImportedSpan};
use super::{is_line_break, Doc};
use crate::label::{LabelSet, Span};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The fragments of code points `start..end` between line breaks.
fn fragments(chars: &[char], start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut frags = Vec::new();
    let mut s = start;
    for (k, &c) in chars.iter().enumerate().take(end).skip(start) {
        if is_line_break(c) {
            if k > s {
                frags.push((s, k));
            }
            s = k + 1;
        }
    }
    if end > s {
        frags.push((s, end));
    }
    frags
}

/// The `.ann` text of one article.
pub fn ann(doc: &Doc) -> String {
    let chars: Vec<char> = doc.text.chars().collect();
    let mut out = String::new();
    for (i, e) in doc.entities.iter().enumerate() {
        let frags = fragments(&chars, e.start, e.end.min(chars.len()));
        if frags.is_empty() {
            continue; // only line breaks: nothing brat could show
        }
        let offsets: Vec<String> = frags.iter().map(|(a, b)| format!("{a} {b}")).collect();
        let text: Vec<String> = frags
            .iter()
            .map(|&(a, b)| chars[a..b].iter().collect())
            .collect();
        out.push_str(&format!(
            "T{}\t{} {}\t{}\n",
            i + 1,
            e.label.name(),
            offsets.join(";"),
            text.join(" ")
        ));
    }
    out
}

/// The `annotation.conf` of the default labels.
pub fn annotation_conf() -> String {
    annotation_conf_for(&LabelSet::default())
}

/// brat's `annotation.conf`: the set's labels as entity types, in its order.
pub fn annotation_conf_for(set: &LabelSet) -> String {
    let mut out = String::from("[entities]\n");
    for l in set.labels() {
        out.push_str(l.name());
        out.push('\n');
    }
    out.push_str("\n[relations]\n\n[events]\n\n[attributes]\n");
    out
}

/// brat's `visual.conf`: each label's colour, the label's name as its display name (brat
/// shows the display forms on the spans, so a description there would replace `PER`
/// with `person`), and the description in a comment above it.
pub fn visual_conf(set: &LabelSet) -> String {
    let mut labels = String::from("[labels]\n");
    let mut drawing = String::from("[drawing]\n");
    for (i, d) in set.defs().iter().enumerate() {
        let long: String = d
            .description
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if !long.trim().is_empty() {
            labels.push_str(&format!("# {}: {}\n", d.label, long.trim()));
        }
        labels.push_str(&format!("{} | {}\n", d.label, d.label));
        drawing.push_str(&format!("{}\tbgColor:{}\n", d.label, set.color(i).hex()));
    }
    format!("{labels}\n{drawing}")
}

/// The file that marks a folder as an inkmark brat export, which the next export may
/// replace whole (brat lists `.txt` documents only; the name is hidden besides).
pub const MARKER: &str = ".inkmark-export";

/// Why the folder `dir` may not be replaced by an export, if it may not: it holds files
/// and no [`MARKER`] (a brat project of the user's, a corpus: nothing of theirs is removed).
fn not_replaceable(dir: &Path) -> io::Result<Option<PathBuf>> {
    if dir.join(MARKER).is_file() {
        return Ok(None);
    }
    Ok(fs::read_dir(dir)?.next().transpose()?.map(|e| e.path()))
}

/// Makes everything written under `dir` durable: one `syncfs` on Linux, else each file.
fn sync_tree(dir: &Path, files: &[PathBuf]) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let _ = files;
        let d = fs::File::open(dir)?;
        // SAFETY: syncfs takes an open file descriptor, which `d` keeps open.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        for f in files {
            fs::File::open(f)?.sync_all()?;
        }
        Ok(())
    }
}

/// The `.txt` name (relative to the export folder) of each of `docs`, in order. brat
/// reads `.txt` files: a `.txt` article keeps its name; any other gets its name plus
/// `.txt` (`a.md` -> `a.md.txt`, never `a.txt`), or, when an article of the export
/// already has that name (a real `a.md.txt`), the first free `a.md-1.txt`, `a.md-2.txt`,
/// …, so that every article gets a pair of its own (names compared ignoring case, for
/// case-insensitive file systems).
pub fn txt_names(docs: &[Doc]) -> Vec<String> {
    let is_txt = |a: &str| Path::new(a).extension().is_some_and(|e| e == "txt");
    let mut taken: std::collections::HashSet<String> = docs
        .iter()
        .filter(|d| is_txt(&d.article))
        .map(|d| d.article.to_lowercase())
        .collect();
    docs.iter()
        .map(|d| {
            if is_txt(&d.article) {
                return d.article.clone();
            }
            let mut name = format!("{}.txt", d.article);
            let mut n = 0;
            while !taken.insert(name.to_lowercase()) {
                n += 1;
                name = format!("{}-{n}.txt", d.article);
            }
            name
        })
        .collect()
}

/// Writes the brat folder `out`: into a fresh temporary folder beside it without a sync
/// per file, one sync at the end, then a rename into place (a 20,000-article export took
/// 19 s with two fsyncs per file). A previous export at `out` (it has the [`MARKER`]) or an
/// empty folder is replaced whole; any other folder is left alone, with an error.
pub fn write_dir(docs: &[Doc], out: &Path) -> io::Result<()> {
    write_dir_with(docs, out, &LabelSet::default())
}

/// [`write_dir`] with the corpus's labels in `annotation.conf` and `visual.conf`.
pub fn write_dir_with(docs: &[Doc], out: &Path, set: &LabelSet) -> io::Result<()> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "brat".into());
    if out.exists() {
        if !out.is_dir() {
            return Err(io::Error::other(format!(
                "{} is a file, not a folder",
                out.display()
            )));
        }
        if let Some(f) = not_replaceable(out)? {
            return Err(io::Error::other(format!(
                "{} is not an inkmark export (it holds {} and no {MARKER}): not replaced; \
                 empty it or choose another --out",
                out.display(),
                f.display()
            )));
        }
    }
    fs::create_dir_all(parent)?;
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.{pid}.tmp"));
    let old = parent.join(format!(".{name}.{pid}.old"));
    let result = (|| {
        if tmp.exists() {
            fs::remove_dir_all(&tmp)?;
        }
        fs::create_dir(&tmp)?;
        let mut files = vec![
            tmp.join("annotation.conf"),
            tmp.join(MARKER),
            tmp.join("visual.conf"),
        ];
        fs::write(&files[0], annotation_conf_for(set))?;
        fs::write(&files[2], visual_conf(set))?;
        fs::write(
            &files[1],
            "A brat export by inkmark: the next export replaces this folder whole.\n",
        )?;
        for (d, name) in docs.iter().zip(txt_names(docs)) {
            let txt = tmp.join(name);
            if let Some(dir) = txt.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::write(&txt, d.text.as_bytes())?;
            let ann_path = txt.with_extension("ann");
            fs::write(&ann_path, ann(d).as_bytes())?;
            files.push(txt);
            files.push(ann_path);
        }
        sync_tree(&tmp, &files)?;
        if out.exists() {
            fs::rename(out, &old)?;
            if let Err(e) = fs::rename(&tmp, out) {
                let _ = fs::rename(&old, out);
                return Err(e);
            }
            fs::remove_dir_all(&old)?;
        } else {
            fs::rename(&tmp, out)?;
        }
        // The renames must reach the disk too.
        if let Ok(d) = fs::File::open(parent) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() && tmp.exists() {
        let _ = fs::remove_dir_all(&tmp);
    }
    result
}

/// Every article's `.ann`, headed by its name (for tests and a quick look).
pub fn render_one(docs: &[Doc]) -> String {
    docs.iter()
        .map(|d| format!("# {}\n{}", d.article, ann(d)))
        .collect()
}

/// The article name of the `.txt` beside `ann_file`: its path relative to the brat folder
/// (the nearest folder above it with an `annotation.conf`, as an export writes), so that
/// `tricky/a.ann` comes back as `tricky/a.txt`; else its file name.
pub fn article_name(ann_file: &Path) -> Option<String> {
    let txt = ann_file.with_extension("txt");
    let name = txt.file_name()?.to_string_lossy().into_owned();
    let abs = std::path::absolute(&txt).ok()?;
    for root in abs.ancestors().skip(1) {
        if root.join("annotation.conf").is_file() {
            let rel = abs.strip_prefix(root).ok()?;
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            return Some(parts.join("/"));
        }
    }
    Some(name)
}

/// Reads an `.ann` for `text`. Fragments separated only by line breaks (as exports write
/// a span across lines) become one span; a discontinuous entity, an unknown type, a
/// malformed line or an entity nested in another is reported with its line and left out,
/// and the rest is read.
pub fn parse_ann(input: &str, text: &str, article: Option<String>) -> Result<Imported, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut spans = Vec::new();
    let mut problems = Vec::new();
    // brat reads the .ann with Python's line splitting (CR LF is one break).
    let input = input.replace("\r\n", "\n");
    for (n, line) in input.split(is_line_break).enumerate() {
        if !line.starts_with('T') {
            continue; // relations, events, notes: not entities
        }
        let place = format!("line {}", n + 1);
        let mut bad = |m: String| problems.push(format!("{place}: {m}; not imported"));
        let mut cols = line.split('\t');
        let (Some(id), Some(mid)) = (cols.next(), cols.next()) else {
            bad("expected ID<TAB>TYPE START END<TAB>TEXT".into());
            continue;
        };
        let Some((label_name, offsets)) = mid.split_once(' ') else {
            bad(format!("{id}: expected TYPE START END"));
            continue;
        };
        let (label, foreign) = super::import::foreign_label(label_name);
        let mut frags = Vec::new();
        for frag in offsets.split(';') {
            let parsed = frag
                .trim()
                .split_once(' ')
                .and_then(|(a, b)| Some((a.parse::<usize>().ok()?, b.parse::<usize>().ok()?)));
            match parsed {
                Some(f) => frags.push(f),
                None => {
                    frags.clear();
                    break;
                }
            }
        }
        if frags.is_empty() {
            bad(format!("{id}: bad offsets {offsets:?}"));
            continue;
        }
        frags.sort();
        let joined_by_breaks = frags.windows(2).all(|w| {
            w[0].1 <= w[1].0
                && w[1].0 <= chars.len()
                && chars[w[0].1..w[1].0].iter().all(|&c| is_line_break(c))
        });
        if !joined_by_breaks {
            let shown: Vec<String> = frags.iter().map(|(a, b)| format!("{a}..{b}")).collect();
            bad(format!(
                "{id} {label}: a discontinuous entity ({}); inkmark spans are contiguous",
                shown.join(", ")
            ));
            continue;
        }
        // The .ann's own copy of the text must match the article there: offsets into
        // another version of the text would label the wrong characters without a word.
        let in_range = frags.iter().all(|&(a, b)| a <= b && b <= chars.len());
        if let (true, Some(written)) = (in_range, line.splitn(3, '\t').nth(2)) {
            let there: Vec<String> = frags
                .iter()
                .map(|&(a, b)| chars[a..b].iter().collect())
                .collect();
            let there = there.join(" ");
            if written != there {
                let (lo, hi) = (frags[0].0, frags[frags.len() - 1].1);
                bad(format!(
                    "{id} {label} {lo}..{hi}: the .ann has {written:?} but the article has \
                     {there:?} there"
                ));
                continue;
            }
        }
        let (lo, hi) = (frags[0].0, frags[frags.len() - 1].1);
        spans.push(ImportedSpan {
            span: Span::new(lo, hi, label),
            at: format!("{place} ({id})"),
            foreign,
        });
    }
    Ok(Imported {
        article,
        text: text.to_string(),
        spans,
        problems,
        status: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::label::Label;

    fn doc(article: &str, text: &str, words: &[(&str, Label)]) -> Doc {
        super::super::test_doc(article, text, words)
    }

    /// brat splits the `.ann` with Python's `splitlines()`: an entity holding U+2028,
    /// U+0085 or a form feed must not put one in its line.
    #[test]
    fn fragments_split_at_every_line_break_brat_sees() {
        let text = "甲郑州\u{2028}市乙北\u{85}京丙上\u{c}海丁";
        let d = doc(
            "a.txt",
            text,
            &[
                ("郑州\u{2028}市", Label::LOC),
                ("北\u{85}京", Label::LOC),
                ("上\u{c}海", Label::LOC),
            ],
        );
        let out = ann(&d);
        let chars: Vec<char> = text.chars().collect();
        let lines: Vec<&str> = out.split(is_line_break).filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 3, "{out:?}");
        for line in lines {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 3, "{line:?}");
            let frags: Vec<String> = cols[1]
                .split_once(' ')
                .unwrap()
                .1
                .split(';')
                .map(|f| {
                    let (a, b) = f.split_once(' ').unwrap();
                    chars[a.parse().unwrap()..b.parse().unwrap()]
                        .iter()
                        .collect()
                })
                .collect();
            assert_eq!(frags.join(" "), cols[2]);
        }
        // And they come back as the spans they were.
        let back = parse_ann(&out, text, None).unwrap();
        assert!(back.problems.is_empty(), "{:?}", back.problems);
        let spans: Vec<Span> = back.spans.iter().map(|s| s.span).collect();
        let want: Vec<Span> = d
            .entities
            .iter()
            .map(|e| Span::new(e.start, e.end, e.label))
            .collect();
        assert_eq!(spans, want);
    }

    #[test]
    fn discontinuous_unknown_and_malformed_entities_are_reported_and_the_rest_read() {
        let text = "中国的政府与郑州市卫生健康委员会";
        let input = "T1\tORG 0 2;3 5\t中国 政府\r\n\
                     T2\t疾病 0 2\t中国\r\n\
                     T3\tORG 6 16\t郑州市卫生健康委员会\r\n\
                     T4\tLOC x y\t?\r\n\
                     T5\tLOC 6 9\t郑州市\r\n";
        let d = parse_ann(input, text, None).unwrap();
        let spans: Vec<(Span, &str)> = d.spans.iter().map(|s| (s.span, s.at.as_str())).collect();
        // A type no label can be named is kept by its name, for `import --map`.
        let unnamed = crate::export::import::UNNAMED;
        assert_eq!(
            spans,
            [
                (Span::new(0, 2, unnamed), "line 2 (T2)"),
                (Span::new(6, 16, Label::ORG), "line 3 (T3)"),
                (Span::new(6, 9, Label::LOC), "line 5 (T5)"),
            ]
        );
        assert_eq!(d.spans[0].foreign.as_deref(), Some("疾病"));
        assert_eq!(d.problems.len(), 2, "{:?}", d.problems);
        assert!(d.problems[0].starts_with("line 1: T1 ORG: a discontinuous entity"));
        assert!(d.problems[1].contains("line 4: T4: bad offsets"));
    }

    #[test]
    fn an_entity_whose_text_differs_from_the_article_is_reported_not_imported() {
        let text = "他在上海。北京\n天津";
        let input = "T1\tLOC 2 4\t上海\n\
                     T2\tLOC 2 5\t上海x\n\
                     T3\tLOC 5 7;8 10\t北京 天津\n\
                     T4\tLOC 5 7;8 10\t北京 天\n";
        let d = parse_ann(input, text, None).unwrap();
        let spans: Vec<Span> = d.spans.iter().map(|s| s.span).collect();
        assert_eq!(
            spans,
            [Span::new(2, 4, Label::LOC), Span::new(5, 10, Label::LOC)]
        );
        assert_eq!(
            d.problems,
            [
                "line 2: T2 LOC 2..5: the .ann has \"上海x\" but the article has \"上海。\" there; \
                 not imported",
                "line 4: T4 LOC 5..10: the .ann has \"北京 天\" but the article has \"北京 天津\" \
                 there; not imported"
            ]
        );
    }

    #[test]
    fn the_article_name_keeps_the_subfolder_under_the_brat_folder() {
        let dir = tempfile::tempdir().unwrap();
        let d = doc(
            "tricky/crlf_emoji.txt",
            "a\r\n😀高轶鹏",
            &[("高轶鹏", Label::PER)],
        );
        write_dir(&[d], &dir.path().join("brat")).unwrap();
        let ann_file = dir.path().join("brat/tricky/crlf_emoji.ann");
        assert_eq!(
            article_name(&ann_file).as_deref(),
            Some("tricky/crlf_emoji.txt")
        );
        // Without an annotation.conf above it: the file name.
        std::fs::remove_file(dir.path().join("brat/annotation.conf")).unwrap();
        assert_eq!(article_name(&ann_file).as_deref(), Some("crlf_emoji.txt"));
    }

    #[test]
    fn a_new_export_replaces_the_last_one_but_never_a_folder_of_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("brat");
        let a = doc("a.txt", "高轶鹏", &[("高轶鹏", Label::PER)]);
        let b = doc("sub/b.txt", "北京", &[("北京", Label::LOC)]);
        write_dir(&[a.clone(), b], &out).unwrap();
        assert!(out.join("sub/b.ann").is_file());
        write_dir(std::slice::from_ref(&a), &out).unwrap();
        assert!(!out.join("sub/b.ann").exists(), "the old export is gone");
        assert_eq!(std::fs::read_to_string(out.join("a.ann")).unwrap(), ann(&a));
        // A corpus folder (a .txt without .ann, notes) is not replaced.
        let corpus = dir.path().join("corpus");
        std::fs::create_dir_all(&corpus).unwrap();
        std::fs::write(corpus.join("article.txt"), "mine").unwrap();
        let err = write_dir(&[a], &corpus).unwrap_err().to_string();
        assert!(
            err.contains("article.txt") && err.contains("not replaced"),
            "{err}"
        );
        assert_eq!(
            std::fs::read_to_string(corpus.join("article.txt")).unwrap(),
            "mine"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            left.iter()
                .all(|n| !n.contains(".tmp") && !n.contains(".old")),
            "{left:?}"
        );
    }
}
