//! Finding the articles of a folder, reading them safely, and naming them.

use crate::text::sanitize_line;
use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// One article file found in the corpus folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the corpus folder (the article's id in annotation files).
    pub rel: PathBuf,
    pub path: PathBuf,
    /// The first meaningful line, safe to draw; the file name when there is none.
    pub title: String,
    /// Length in Unicode code points.
    pub chars: usize,
    pub problem: Option<Problem>,
    /// False while only the name is known ([`list`]); [`load_entry`] reads the rest.
    pub loaded: bool,
}

/// What is wrong with an article file, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The bytes are not valid UTF-8; the text is shown with U+FFFD (�) where they were.
    NotUtf8 { invalid_at: usize },
    /// The file could not be read at all.
    Unreadable(String),
}

impl Problem {
    pub fn describe(&self) -> String {
        match self {
            Problem::NotUtf8 { invalid_at } => format!(
                "not valid UTF-8 (first bad byte at {invalid_at}); shown with � in place of bad bytes"
            ),
            Problem::Unreadable(e) => format!("cannot be read: {e}"),
        }
    }
}

/// The articles of one folder, sorted by relative path.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub root: PathBuf,
    pub entries: Vec<Entry>,
    /// Folders that could not be listed, symlink loops skipped: shown, never fatal.
    pub warnings: Vec<String>,
}

/// Text of an article as read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleText {
    pub text: String,
    /// Set when invalid UTF-8 was replaced by U+FFFD (byte offset of the first bad byte).
    pub invalid_utf8_at: Option<usize>,
}

/// The texts of the files directly in `dir`, sorted by name (benchmarks and tests build
/// their inputs from the seeds with it).
pub fn read_texts(dir: &Path) -> io::Result<Vec<String>> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| read_article(p).map(|a| a.text))
        .collect()
}

/// Opens `path` for reading only if it is a regular file. Opened non-blocking first: a
/// FIFO named like an article would otherwise block `open` until a writer came (forever),
/// and a device could be endless. Non-blocking does not change reads of regular files.
pub fn open_regular(path: &Path) -> io::Result<fs::File> {
    let mut opts = fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let f = opts.open(path)?;
    let meta = f.metadata()?;
    if meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a folder, not a file",
        ));
    }
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a FIFO, socket or device): refused",
        ));
    }
    Ok(f)
}

/// The bytes of a regular file ([`open_regular`]).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut f = open_regular(path)?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads an article. Invalid UTF-8 does not fail: bad bytes become U+FFFD and the
/// position of the first one is reported.
pub fn read_article(path: &Path) -> io::Result<ArticleText> {
    let bytes = read_regular(path)?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => ArticleText {
            text,
            invalid_utf8_at: None,
        },
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            ArticleText {
                text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
                invalid_utf8_at: Some(at),
            }
        }
    })
}

/// Whether `path` has an article extension (`.txt`, `.md`, any case).
pub fn is_article_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("txt") || e.eq_ignore_ascii_case("md"))
}

/// Lists the `.txt` and `.md` files under `root`, recursively, and reads their titles.
/// Hidden files and folders are skipped; symlinked folders are followed once.
pub fn scan(root: &Path) -> io::Result<Corpus> {
    scan_skipping(root, &[])
}

/// [`scan`] leaving out the folders in `skip`, as [`list_skipping`].
pub fn scan_skipping(root: &Path, skip: &[PathBuf]) -> io::Result<Corpus> {
    let mut corpus = list_skipping(root, skip)?;
    for e in &mut corpus.entries {
        *e = load_entry(root, e.rel.clone());
    }
    Ok(corpus)
}

/// Like [`scan`] without reading the files: every entry has its file name for a title
/// until [`load_entry`] reads it (the reader does that in the background, so that a
/// library of 20,000 articles shows at once).
pub fn list(root: &Path) -> io::Result<Corpus> {
    list_skipping(root, &[])
}

/// Folders never read as articles wherever they sit in the corpus: the default export
/// folder and annotation root of the current folder (`inkmark .` would otherwise list an
/// export's brat `.txt` files as articles), plus `extra` (the annotation folder in use).
/// A folder holding an export's marker file is skipped too, wherever it was written.
fn skipped_dirs(extra: &[PathBuf]) -> HashSet<PathBuf> {
    let mut dirs: Vec<PathBuf> = vec![PathBuf::from("exports"), PathBuf::from("annotations")];
    dirs.extend(extra.iter().cloned());
    dirs.iter()
        .filter_map(|d| fs::canonicalize(d).ok())
        .collect()
}

/// [`list`], also leaving out the folders in `skip` (annotation folders).
pub fn list_skipping(root: &Path, skip: &[PathBuf]) -> io::Result<Corpus> {
    let meta = fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a folder", root.display()),
        ));
    }
    let mut corpus = Corpus {
        root: root.to_path_buf(),
        ..Corpus::default()
    };
    let mut seen = HashSet::new();
    let mut files = Vec::new();
    let skip = skipped_dirs(skip);
    walk(
        root,
        root,
        &skip,
        &mut seen,
        &mut files,
        &mut corpus.warnings,
    );
    files.sort();
    corpus.entries = files
        .into_iter()
        .map(|rel| Entry {
            title: sanitize_line(&rel.to_string_lossy()),
            path: root.join(&rel),
            rel,
            chars: 0,
            problem: None,
            loaded: false,
        })
        .collect();
    Ok(corpus)
}

fn walk(
    root: &Path,
    dir: &Path,
    skip: &HashSet<PathBuf>,
    seen: &mut HashSet<PathBuf>,
    files: &mut Vec<PathBuf>,
    warnings: &mut Vec<String>,
) {
    let canonical = fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !seen.insert(canonical) {
        warnings.push(format!(
            "skipped {} (folder already visited: symlink loop?)",
            dir.display()
        ));
        return;
    }
    let read = match fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            warnings.push(format!("cannot list {}: {e}", dir.display()));
            return;
        }
    };
    let mut children: Vec<PathBuf> = read.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for path in children {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        match fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                if !is_skipped_dir(&path, skip) {
                    walk(root, &path, skip, seen, files, warnings)
                }
            }
            Ok(m) if m.is_file() && is_article_file(&path) => {
                files.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf())
            }
            // A FIFO, socket or device named like an article: listed, so that it is
            // reported as not readable instead of skipped without a word.
            Ok(_) if is_article_file(&path) => {
                files.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf())
            }
            Ok(_) => {}
            Err(_) if is_article_file(&path) => {
                // A dangling or looping symlink named like an article: list it as broken.
                files.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
            }
            Err(_) => {}
        }
    }
}

/// Why a listing of the corpus at `root` (skipping `skip`, as [`list_skipping`]) would
/// leave out the file `rel` (relative to `root`), in words; `None` when it would list it.
/// The listing's own rule, for the files inkmark creates there (import) or must not
/// write (export): a file the corpus does not list has annotations nobody sees.
pub fn unlisted_reason(root: &Path, rel: &Path, skip: &[PathBuf]) -> Option<String> {
    use std::path::Component;
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return Some("not a plain path inside the corpus folder".into());
    }
    let hidden = rel
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
    if hidden {
        return Some("hidden names (starting with \".\") are not read as articles".into());
    }
    if !is_article_file(rel) {
        return Some("only .txt and .md files are articles".into());
    }
    // The folders the listing skips, as absolute paths even where they do not exist yet
    // (`exports/` is created by the first export).
    let absolute = |p: &Path| -> PathBuf {
        fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|cwd| cwd.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let mut skipped: Vec<PathBuf> = vec![PathBuf::from("exports"), PathBuf::from("annotations")];
    skipped.extend(skip.iter().cloned());
    let skipped: Vec<PathBuf> = skipped.iter().map(|p| absolute(p)).collect();
    let mut dir = absolute(root);
    let mut parents: Vec<&std::ffi::OsStr> = rel.iter().collect();
    parents.pop();
    for name in parents {
        dir = dir.join(name);
        let dir = fs::canonicalize(&dir).unwrap_or(dir.clone());
        if skipped.contains(&dir) || dir.join(crate::export::brat::MARKER).exists() {
            return Some(format!(
                "{} is an export or annotation folder, not read as articles",
                dir.display()
            ));
        }
    }
    None
}

/// An export (marker file) or an annotation folder: its files are not articles.
fn is_skipped_dir(path: &Path, skip: &HashSet<PathBuf>) -> bool {
    path.join(crate::export::brat::MARKER).exists()
        || fs::canonicalize(path).is_ok_and(|c| skip.contains(&c))
}

/// Reads one article for the library: title, length, problems.
pub fn load_entry(root: &Path, rel: PathBuf) -> Entry {
    let path = root.join(&rel);
    let fallback = sanitize_line(&rel.to_string_lossy());
    match summarize(&path) {
        Ok(summary) => Entry {
            title: title_of(&summary.head)
                .map(|t| shorten(t, TITLE_CHARS))
                .unwrap_or_else(|| fallback.clone()),
            chars: summary.chars,
            problem: summary
                .invalid_utf8_at
                .map(|invalid_at| Problem::NotUtf8 { invalid_at }),
            loaded: true,
            rel,
            path,
        },
        Err(e) => Entry {
            title: fallback,
            chars: 0,
            problem: Some(Problem::Unreadable(e.to_string())),
            loaded: true,
            rel,
            path,
        },
    }
}

/// How much of a file the library keeps for its title.
const HEAD_BYTES: usize = 64 * 1024;
/// Titles longer than this are cut with "…" (a file without line breaks is one line).
const TITLE_CHARS: usize = 200;

/// What the library shows about a file, read in bounded chunks: a 10 MB article costs
/// the library 64 KiB, not 10 MB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The text of the first [`HEAD_BYTES`] (invalid UTF-8 as U+FFFD).
    pub head: String,
    /// Code points of the whole text as [`read_article`] decodes it.
    pub chars: usize,
    /// Byte offset of the first invalid UTF-8 byte, as in [`ArticleText`].
    pub invalid_utf8_at: Option<usize>,
}

/// Reads `path` in chunks for [`Summary`]: counts code points the way
/// `String::from_utf8_lossy` decodes them (one U+FFFD per invalid sequence).
pub fn summarize(path: &Path) -> io::Result<Summary> {
    use std::io::Read;
    let mut file = open_regular(path)?;
    let mut head = Vec::new();
    let mut buf = vec![0u8; HEAD_BYTES];
    // Bytes not yet counted: the tail of an incomplete sequence at the end of a chunk.
    let mut pending: Vec<u8> = Vec::new();
    let (mut chars, mut consumed) = (0, 0);
    let mut invalid_utf8_at = None;
    loop {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let eof = n == 0;
        if head.len() < HEAD_BYTES {
            let take = n.min(HEAD_BYTES - head.len());
            head.extend_from_slice(&buf[..take]);
        }
        pending.extend_from_slice(&buf[..n]);
        let mut pos = 0;
        while pos < pending.len() {
            match std::str::from_utf8(&pending[pos..]) {
                Ok(valid) => {
                    chars += valid.chars().count();
                    pos = pending.len();
                }
                Err(e) => {
                    let valid = e.valid_up_to();
                    // Safe: from_utf8 vouched for these bytes.
                    chars += std::str::from_utf8(&pending[pos..pos + valid])
                        .map_or(0, |s| s.chars().count());
                    match e.error_len() {
                        Some(bad) => {
                            invalid_utf8_at.get_or_insert(consumed + pos + valid);
                            chars += 1;
                            pos += valid + bad;
                        }
                        // Cut at the chunk's end: finish it with the next chunk.
                        None if !eof => {
                            pos += valid;
                            break;
                        }
                        None => {
                            invalid_utf8_at.get_or_insert(consumed + pos + valid);
                            chars += 1;
                            pos = pending.len();
                        }
                    }
                }
            }
        }
        pending.drain(..pos);
        consumed += pos;
        if eof {
            break;
        }
    }
    // A character cut at the head's end is left out, not shown as U+FFFD.
    if let Err(e) = std::str::from_utf8(&head) {
        if e.error_len().is_none() {
            head.truncate(e.valid_up_to());
        }
    }
    Ok(Summary {
        head: String::from_utf8_lossy(&head).into_owned(),
        chars,
        invalid_utf8_at,
    })
}

/// `text` cut to `max` code points, with "…" when something was cut.
fn shorten(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((b, _)) => format!("{}…", &text[..b]),
        None => text,
    }
}

/// The article's title: its first line that is not blank and not metadata (a date line,
/// an editor/proof-reader credit line). Control characters are made visible.
pub fn title_of(text: &str) -> Option<String> {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'))
        .filter(|l| !l.is_empty())
        .find(|l| !is_metadata_line(l))
        .map(sanitize_line)
}

/// Words that open a credit line in Chinese news ("编辑:王子君 校对:樊剑辉").
const CREDIT_WORDS: &[&str] = &[
    "编辑",
    "责任编辑",
    "责编",
    "校对",
    "组版",
    "审核",
    "审校",
    "美编",
    "监制",
    "来源",
    "作者",
    "摄影",
    "本报记者",
    "记者",
    "通讯员",
    "文/图",
    "图/文",
    "文图",
    "稿件来源",
];

/// True for lines that describe the article rather than title it.
pub fn is_metadata_line(line: &str) -> bool {
    is_date_line(line) || is_credit_line(line)
}

fn is_date_line(line: &str) -> bool {
    let has_digit = line
        .chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
    has_digit
        && line.chars().all(|c| {
            c.is_ascii_digit()
                || ('０'..='９').contains(&c)
                || c.is_whitespace()
                || "年月日号时分星期周一二三四五六七天第版-/.:：,，()（）".contains(c)
        })
}

fn is_credit_line(line: &str) -> bool {
    line.chars().count() <= 60
        && CREDIT_WORDS.iter().any(|w| {
            line.strip_prefix(w).is_some_and(|rest| {
                rest.starts_with([':', '：', ' ', '\u{3000}', '|']) || rest.is_empty()
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn summary_of(bytes: &[u8]) -> Summary {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        fs::write(&path, bytes).unwrap();
        let summary = summarize(&path).unwrap();
        let article = read_article(&path).unwrap();
        // The streamed count is the count of the text the reader will show.
        assert_eq!(summary.chars, article.text.chars().count());
        assert_eq!(summary.invalid_utf8_at, article.invalid_utf8_at);
        summary
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn summaries_count_like_the_reader_across_chunks(
            pad in (HEAD_BYTES - 6)..(HEAD_BYTES + 2),
            tail in proptest::collection::vec(
                prop_oneof![
                    Just(b"\xe4\xb8\xad".to_vec()),
                    Just(b"\xf0\x9f\x98\x80".to_vec()),
                    Just(b"\xe4\xb8".to_vec()),
                    Just(b"\xff".to_vec()),
                    Just(b"\xf0\x9f".to_vec()),
                    Just(b"a\n".to_vec()),
                ],
                0..12,
            ),
        ) {
            let mut bytes = vec![b'x'; pad];
            bytes.extend(tail.concat());
            summary_of(&bytes);
        }
    }

    #[test]
    fn summaries_keep_only_a_head_and_a_short_title() {
        let line = "中".repeat(HEAD_BYTES);
        let s = summary_of(line.as_bytes());
        assert_eq!(s.chars, HEAD_BYTES);
        assert!(s.head.len() <= HEAD_BYTES);
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("long.txt"), &line).unwrap();
        let entry = load_entry(dir.path(), PathBuf::from("long.txt"));
        assert_eq!(entry.title.chars().count(), TITLE_CHARS + 1);
        assert!(entry.title.ends_with('…'));
        assert_eq!(entry.chars, HEAD_BYTES);
        assert_eq!(summary_of(b"").chars, 0);
        assert_eq!(summary_of(b"ab\xffcd").invalid_utf8_at, Some(2));
    }

    #[test]
    fn titles_skip_blank_and_metadata_lines() {
        let text = "\n\n\n\n2020年2月20日 星期四\n\n编辑:王子君 校对:樊剑辉 组版:祖威\n\n涧西区 守土担责\n";
        assert_eq!(title_of(text).as_deref(), Some("涧西区 守土担责"));
        assert_eq!(
            title_of("\u{feff}\n  标题  \n正文").as_deref(),
            Some("标题")
        );
        assert_eq!(title_of("\n\n \n"), None);
    }

    #[test]
    fn metadata_lines() {
        assert!(is_metadata_line("2020年2月20日 星期四"));
        assert!(is_metadata_line("2020-02-20"));
        assert!(is_metadata_line("编辑:王子君 校对:樊剑辉 组版:祖威"));
        assert!(is_metadata_line("记者 李一 通讯员 张宏伟"));
        assert!(!is_metadata_line("商务中心区：忠诚担当 敢打硬仗"));
        assert!(!is_metadata_line(
            "2020年1月24日(除夕),县商务中心区党组书记许峰召开会议"
        ));
        assert!(!is_metadata_line("记者节快乐"));
    }

    #[test]
    fn titles_never_carry_escape_sequences() {
        assert_eq!(title_of("\u{1b}[2J标题").as_deref(), Some("␛[2J标题"));
    }

    #[test]
    fn seeds_have_meaningful_titles() {
        let corpus = scan(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds"))).unwrap();
        let titles: Vec<&str> = corpus.entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "守住东大门 打好阻击战",
                "商务中心区：忠诚担当 敢打硬仗 勇当疫情防控急先锋",
                "涧西区 守土担责、用心用情,全力以赴抓好疫情防控",
                "决战决胜在没有硝烟的战场",
                "直面没有硝烟的战场",
            ]
        );
        assert!(corpus
            .entries
            .iter()
            .all(|e| e.problem.is_none() && e.chars > 5000));
    }

    #[test]
    fn scan_recurses_and_reports_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("sub/deeper")).unwrap();
        fs::create_dir_all(root.join("folder.txt")).unwrap();
        fs::create_dir_all(root.join(".git")).unwrap();
        fs::write(root.join("a.txt"), "甲\n").unwrap();
        fs::write(root.join("sub/b.md"), "# 乙\n").unwrap();
        fs::write(root.join("sub/deeper/c.TXT"), b"bad \xff\xfe bytes\n").unwrap();
        fs::write(root.join("notes.json"), "{}").unwrap();
        fs::write(root.join(".git/d.txt"), "hidden").unwrap();
        fs::write(root.join("folder.txt/e.txt"), "戊").unwrap();
        let corpus = scan(root).unwrap();
        let rels: Vec<String> = corpus
            .entries
            .iter()
            .map(|e| e.rel.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            rels,
            ["a.txt", "folder.txt/e.txt", "sub/b.md", "sub/deeper/c.TXT"]
        );
        let bad = &corpus.entries[3];
        assert_eq!(bad.problem, Some(Problem::NotUtf8 { invalid_at: 4 }));
        assert_eq!(bad.title, "bad �� bytes");
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_and_dangling_links_do_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir(root.join("sub")).unwrap();
        fs::write(root.join("sub/a.txt"), "甲").unwrap();
        std::os::unix::fs::symlink(root, root.join("sub/loop")).unwrap();
        std::os::unix::fs::symlink(root.join("missing"), root.join("gone.txt")).unwrap();
        let corpus = scan(root).unwrap();
        assert_eq!(corpus.entries.len(), 2);
        assert!(matches!(
            corpus.entries[0].problem,
            Some(Problem::Unreadable(_))
        ));
        assert!(!corpus.warnings.is_empty());
    }

    #[test]
    fn scanning_a_file_or_missing_folder_is_an_error() {
        assert!(scan(Path::new("/definitely/not/here")).is_err());
        assert!(scan(Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/Cargo.toml"
        )))
        .is_err());
    }
}
