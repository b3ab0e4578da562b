//! The trained character tagger: features ([`features`]), model file ([`model`]),
//! decoding ([`decode`]) and training ([`train`]). [`Tagger`] joins it to the detector:
//! the model's entities for the labels it knows, the rules' for the others (dates and
//! quantities in the base model).

pub mod bio;
pub mod decode;
pub mod features;
pub mod model;
pub mod scorer;
pub mod train;

pub use model::{Model, ModelError};
pub use train::Example;

use crate::detect::Token;
use crate::label::{Label, Span};
use std::path::Path;
use std::sync::Arc;

/// The base model, trained by `cargo run --release --example train_base` on the public
/// corpora in ../shared/data (see the README) and embedded in the binary.
pub static BASE_MODEL: &[u8] = include_bytes!("../../../models/base.inkm");

/// Buffers [`Tagger::tag`] reuses from one sentence to the next.
#[derive(Default)]
pub struct Scratch {
    feats: Vec<u64>,
    keys: Vec<features::DenseKeys>,
    emit: Vec<f32>,
}

/// A model ready to tag, with its labels mapped to the label set.
#[derive(Clone)]
pub struct Tagger {
    model: Model,
    /// The model's weights laid out for tagging (shared by clones).
    scorer: Arc<scorer::Scorer>,
    /// The label set's label for each of the model's labels (`None`: not in the set).
    labels: Vec<Option<Label>>,
    id: String,
}

impl std::fmt::Debug for Tagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tagger")
            .field("model", &self.model)
            .field("id", &self.id)
            .finish()
    }
}

impl Tagger {
    pub fn new(model: Model, bytes: &[u8]) -> Tagger {
        let labels = model.labels.iter().map(|l| Label::new(l).ok()).collect();
        let id = crate::detect::sha256_hex(bytes)[..12].to_string();
        let scorer = Arc::new(scorer::Scorer::new(&model));
        Tagger {
            model,
            scorer,
            labels,
            id,
        }
    }

    /// The embedded base model.
    pub fn base() -> Result<Tagger, ModelError> {
        Ok(Tagger::new(Model::from_bytes(BASE_MODEL)?, BASE_MODEL))
    }

    /// A model file (a corpus model written by `inkmark train`).
    pub fn load(path: &Path) -> Result<Tagger, ModelError> {
        let bytes = std::fs::read(path)
            .map_err(|e| ModelError(format!("cannot read {}: {e}", path.display())))?;
        let model = Model::from_bytes(&bytes)
            .map_err(|e| ModelError(format!("{}: {e}", path.display())))?;
        Ok(Tagger::new(model, &bytes))
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// A short hash of the model file: changes whenever the model does.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the model suggests `label` (else the rules do).
    pub fn knows(&self, label: Label) -> bool {
        self.labels.contains(&Some(label))
    }

    /// Entities of one piece of text with their probabilities: the model's for the labels it
    /// knows, and the rules' (score 1) for other labels where they do not overlap the
    /// model's. `scratch` is reused between calls.
    pub fn tag(
        &self,
        chars: &[char],
        tokens: &[Token],
        rules: &[Span],
        scratch: &mut Scratch,
    ) -> Vec<(Span, f32)> {
        let Scratch { feats, keys, emit } = scratch;
        features::extract_split(chars, tokens, rules, feats, keys);
        self.scorer.emissions(&self.model, feats, keys, emit);
        let emit = &emit[..];
        let found = decode::spans(&decode::viterbi(&self.model, emit));
        let mut out: Vec<(Span, f32)> = Vec::with_capacity(found.len() + rules.len());
        if !found.is_empty() {
            let marginals = decode::Marginals::new(&self.model, emit);
            for (s, e, k) in found {
                if let Some(label) = self.labels[k] {
                    out.push((Span::new(s, e, label), marginals.span(s, e, k)));
                }
            }
        }
        let from_model = out.len();
        for r in rules {
            if !self.knows(r.label) && !out[..from_model].iter().any(|(m, _)| m.overlaps(r)) {
                out.push((*r, 1.0));
            }
        }
        out.sort_by_key(|(s, _)| *s);
        out
    }
}
