//! Who else annotated an article: the sibling folders of the annotation folder
//! (`annotations/bob/` beside `annotations/alice/`), and each one's status, for the
//! library. Read cheaply: only the head of each file, where the status is.

use super::Annotator;
use crate::annotation::file::annotation_path;
use crate::annotation::store::{Loaded, Store};
use crate::annotation::Status;
use std::io::Read;
use std::path::Path;

/// At most this many peers are shown (a row has little room).
pub const MAX_PEERS: usize = 12;

/// The peers of `annotations`: the other folders beside it, when it is a subfolder
/// (`annotations/alice`); none for a folder of the current directory (`annotations/`),
/// whose siblings are the project's own folders. Hidden folders are skipped.
pub fn siblings(annotations: &Path) -> Vec<Annotator> {
    let Some(parent) = annotations.parent() else {
        return Vec::new();
    };
    if parent.as_os_str().is_empty() || parent == Path::new(".") || parent == Path::new("/") {
        return Vec::new();
    }
    let own = annotations.file_name();
    let Ok(read) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut out: Vec<Annotator> = read
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| Some(e.file_name().as_os_str()) != own)
        .map(|e| Annotator::from_dir(&e.path()))
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out.truncate(MAX_PEERS);
    out
}

/// The peers with a file for one article (by index into the peer list) and its state.
pub type PeerStates = Vec<(u8, PeerState)>;

/// A peer's state for one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerState {
    Status(Status),
    /// The file is there but cannot be read or parsed.
    Broken,
}

impl PeerState {
    /// One column: ✓ done, ~ in progress, - todo, ! broken.
    pub fn mark(self) -> char {
        match self {
            PeerState::Status(Status::Done) => '✓',
            PeerState::Status(Status::InProgress) => '~',
            PeerState::Status(Status::Todo) => '-',
            PeerState::Broken => '!',
        }
    }
}

/// The status in the head of an annotation file as inkmark writes it (`"status":
/// "done"` comes before the entities), `None` if it is not there.
fn status_in_head(head: &str) -> Option<Status> {
    let at = head.find("\"status\"")?;
    let rest = head[at + "\"status\"".len()..]
        .trim_start()
        .strip_prefix(':')?;
    let value = rest.trim_start().strip_prefix('"')?;
    let value = &value[..value.find('"')?];
    serde_json::from_value(serde_json::Value::String(value.to_string())).ok()
}

/// `dir`'s state for the article `rel`; `None` when it has no file for it. Reads the
/// first 4 KB; a file written otherwise (status further down) is parsed whole.
pub fn peer_state(dir: &Path, rel: &Path) -> Option<PeerState> {
    let path = annotation_path(dir, rel);
    let mut f = match crate::corpus::open_regular(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(_) => return Some(PeerState::Broken),
    };
    let mut head = Vec::with_capacity(4096);
    if f.by_ref().take(4096).read_to_end(&mut head).is_err() {
        return Some(PeerState::Broken);
    }
    // A multi-byte character cut at the end of the head is dropped, not an error.
    let text = String::from_utf8_lossy(&head);
    if let Some(s) = status_in_head(&text) {
        return Some(PeerState::Status(s));
    }
    match Store::open(&path) {
        Ok((_, Loaded::Found(file))) => Some(PeerState::Status(file.status)),
        Ok((_, Loaded::Missing)) => None,
        _ => Some(PeerState::Broken),
    }
}

/// The states of every peer for `rel`, by peer index (only peers with a file).
pub fn states(peers: &[Annotator], rel: &Path) -> PeerStates {
    peers
        .iter()
        .enumerate()
        .filter_map(|(i, p)| peer_state(&p.dir, rel).map(|s| (i as u8, s)))
        .collect()
}

/// The compact line for the library, e.g. `bob✓ carol~`; with `initials`, `b✓ c~`.
pub fn render(peers: &[Annotator], states: &[(u8, PeerState)], initials: bool) -> String {
    let mut out = String::new();
    for &(i, s) in states {
        let Some(p) = peers.get(i as usize) else {
            continue;
        };
        if !out.is_empty() {
            out.push(' ');
        }
        if initials {
            out.extend(p.name.chars().next());
        } else {
            out.push_str(&p.name);
        }
        out.push(s.mark());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siblings_are_the_other_folders_beside_a_subfolder_only() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("annotations");
        for d in ["alice", "bob", "carol", ".git"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("assignment.json"), "{}").unwrap();
        let names: Vec<String> = siblings(&root.join("alice"))
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(names, ["bob", "carol"]);
        // The single user's folder of the current directory has no peers.
        assert!(siblings(Path::new("annotations")).is_empty());
    }

    #[test]
    fn states_come_from_the_head_of_each_file() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let mut f = crate::annotation::AnnotationFile::new("a.txt", "00", "bob");
        f.status = Status::Done;
        std::fs::create_dir_all(root.join("bob")).unwrap();
        std::fs::write(root.join("bob/a.json"), f.to_json()).unwrap();
        // Status written after a long entity list: found by parsing the whole file.
        let body = format!(
            "{{\"padding\": \"{}\", \"format\": \"inkmark/1\", \"article\": \"a.txt\", \"article_sha256\": \"00\", \"annotator\": \"carol\", \"updated\": \"\", \"entities\": [], \"status\": \"in_progress\"}}",
            "x".repeat(5000)
        );
        std::fs::create_dir_all(root.join("carol")).unwrap();
        std::fs::write(root.join("carol/a.json"), body).unwrap();
        std::fs::create_dir_all(root.join("dan")).unwrap();
        std::fs::write(root.join("dan/a.json"), "{ not json").unwrap();
        std::fs::create_dir_all(root.join("erin")).unwrap();
        let peers: Vec<Annotator> = ["bob", "carol", "dan", "erin"]
            .iter()
            .map(|n| Annotator::from_dir(&root.join(n)))
            .collect();
        let s = states(&peers, Path::new("a.txt"));
        assert_eq!(
            s,
            [
                (0, PeerState::Status(Status::Done)),
                (1, PeerState::Status(Status::InProgress)),
                (2, PeerState::Broken)
            ]
        );
        assert_eq!(render(&peers, &s, false), "bob✓ carol~ dan!");
        assert_eq!(render(&peers, &s, true), "b✓ c~ d!");
    }
}
