//! Annotations: the file format ("inkmark/1"), safe storage, re-anchoring after the
//! article changed, and undoable editing. No terminal here.

pub mod anchor;
pub mod edit;
pub mod file;
pub mod store;
pub mod validate;

pub use edit::{Annotations, Change};
pub use file::{AnnotationFile, Entity, Rejected, Source, Status};
